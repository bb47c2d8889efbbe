// DataProvenance+Records: puts the data's provenance into a stage report (details.data) and into the model's newest
// history record (its `data` key), so every file says what it was calibrated, tuned or trained on.
extension StageReport {
    public mutating func attach(data provenance: DataProvenance?) {
        guard case .object(var d) = details else { return }
        d["data"] = provenance?.json ?? .string("none")
        details = .object(d)
    }
}

extension ModelFile {
    /// Adds `data` to the newest history record (the one the stage just appended), unless it already has one.
    public mutating func recordData(_ provenance: DataProvenance?) {
        guard let last = history.indices.last, case .object(var o) = history[last], o["data"] == nil else { return }
        o["data"] = provenance?.json ?? .string("none")
        history[last] = .object(o)
    }
}
