import ArgumentParser
import BoxArchive

/// `--compression` and `--level`, shared by the commands that write boxes.
struct CompressionOptions: ParsableArguments {
    @Option(help: "gzip, zstd or none.")
    var compression = "gzip"

    @Option(help: "Compression level (gzip 1-9, default 6; zstd 1-19, default 3).")
    var level: Int?

    func validate() throws {
        guard ["gzip", "zstd", "none"].contains(compression) else {
            throw ValidationError("--compression must be gzip, zstd or none.")
        }
        if let level, compression == "gzip" ? !(1...9).contains(level) : !(1...19).contains(level) {
            throw ValidationError("--level \(level) is out of range for \(compression).")
        }
    }

    var method: BoxCompression {
        switch compression {
        case "zstd": .zstd(level: level ?? 3)
        case "none": .none
        default: .gzip(level: level ?? 6)
        }
    }
}
