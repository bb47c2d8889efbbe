// YAMLPrescan: one pass over libyaml's token stream that bounds a config before Yams builds any node from it.
import CYaml

/// Limits on a config's text, checked on tokens so that nothing is expanded or nested before they hold.
public enum YAMLLimits {
    /// A config or recipe is a few kilobytes; 1 MiB leaves room for long comments.
    public static let maxBytes = 1 << 20
    /// Nesting of mappings and sequences (a recipe nests 4 deep).
    public static let maxDepth = 32
    /// Segments in a `--set` key path.
    public static let maxKeyPathSegments = 16
}

enum YAMLPrescan {
    /// Rejects anchors and aliases (an alias bomb expands exponentially when Yams composes it, and configs never
    /// need them), nesting deeper than `YAMLLimits.maxDepth`, and text over `YAMLLimits.maxBytes`. Scanner errors
    /// are left to the parser, which reports them with their line.
    static func check(_ yaml: String, file: String) throws {
        let bytes = Array(yaml.utf8)
        guard bytes.count <= YAMLLimits.maxBytes else {
            throw FormatError(file: file, "the file is \(bytes.count) bytes; a config holds at most \(YAMLLimits.maxBytes)")
        }
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { throw FormatError(file: file, "cannot start the YAML scanner") }
        defer { yaml_parser_delete(&parser) }
        try bytes.withUnsafeBufferPointer { buf in
            yaml_parser_set_input_string(&parser, buf.baseAddress, buf.count)
            var depth = 0
            while true {
                var token = yaml_token_t()
                guard yaml_parser_scan(&parser, &token) == 1 else { return }
                defer { yaml_token_delete(&token) }
                let line = Int(token.start_mark.line) + 1
                switch token.type {
                case YAML_STREAM_END_TOKEN: return
                case YAML_ANCHOR_TOKEN, YAML_ALIAS_TOKEN:
                    throw FormatError(file: file, "YAML anchors and aliases (& and *) are not supported (line \(line)); quote a value that starts with & or *")
                case YAML_BLOCK_SEQUENCE_START_TOKEN, YAML_BLOCK_MAPPING_START_TOKEN,
                     YAML_FLOW_SEQUENCE_START_TOKEN, YAML_FLOW_MAPPING_START_TOKEN:
                    depth += 1
                    if depth > YAMLLimits.maxDepth {
                        throw FormatError(file: file, "mappings and sequences nested deeper than \(YAMLLimits.maxDepth) levels (line \(line))")
                    }
                case YAML_BLOCK_END_TOKEN, YAML_FLOW_SEQUENCE_END_TOKEN, YAML_FLOW_MAPPING_END_TOKEN:
                    depth -= 1
                default: break
                }
            }
        }
    }
}
