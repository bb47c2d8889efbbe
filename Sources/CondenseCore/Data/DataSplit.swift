// DataSplit: the three splits every data set is cut into (train, validation, test).
public enum DataSplit: String, CaseIterable, Sendable, Codable {
    case train, val, test
}
