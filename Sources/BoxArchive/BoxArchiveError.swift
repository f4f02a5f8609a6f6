import BoxerSupport
import Foundation

/// Everything that can be wrong with a box file. Each message names the box and says what to do.
public enum BoxArchiveError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    case cannotOpen(path: String, reason: String)
    case notAnArchive(box: String, reason: String)
    case corruptArchive(box: String, entry: String?, reason: String)
    case unsafeEntry(box: String, entry: String, reason: String)
    case missingMetadata(box: String)
    case corruptMetadata(box: String, reason: String)
    case missingMetadataField(box: String, field: String)
    case checksumMismatch(box: String, type: ChecksumType, expected: String, actual: String)
    case insufficientSpace(box: String, needed: Int64, available: Int64, folder: String)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "Cannot read the box file \(path): \(reason)."
        case .notAnArchive(let box, let reason):
            return
                "The box \(box) is not a box archive (\(reason)). A box is a tar (optionally gzip, bzip2, xz, zstd or lz4 compressed) or zip file holding metadata.json; check that the path or URL points at a .box file."
        case .corruptArchive(let box, let entry, let reason):
            let place = entry.map { " at entry \"\($0)\"" } ?? ""
            return "The box \(box) failed to unpack\(place): \(reason). The file is truncated or corrupt; download it again."
        case .unsafeEntry(let box, let entry, let reason):
            return
                "The box \(box) was refused: entry \"\(entry)\" \(reason). Nothing was installed; boxes may only hold files, folders and links that stay inside the box."
        case .missingMetadata(let box):
            return
                "The \"metadata.json\" file for the box \(box) was not found. Boxes need it at the top of the archive (not inside a folder) to name the provider they were made for, e.g. {\"provider\": \"libvirt\"}."
        case .corruptMetadata(let box, let reason):
            return "The metadata.json of the box \(box) is invalid: \(reason)."
        case .missingMetadataField(let box, let field):
            return
                "The metadata.json of the box \(box) is missing the required field \"\(field)\" (required fields: \(BoxMetadata.requiredFields.joined(separator: ", ")))."
        case .checksumMismatch(let box, let type, let expected, let actual):
            return
                "The \(type.rawValue) checksum of the box \(box) does not match.\n  Expected: \(expected)\n  Received: \(actual)\nThe download was removed; check the URL and the checksum, then try again."
        case .insufficientSpace(let box, let needed, let available, let folder):
            return
                "The box \(box) needs at least \(DiskSpace.format(needed)) but only \(DiskSpace.format(available)) is free in \(folder). Free some space (`boxer box prune` removes old versions) and try again."
        case .writeFailed(let path, let reason):
            return "Cannot write \(path): \(reason)."
        }
    }

    public var errorDescription: String? { description }
}

extension BoxArchiveError: BoxerError {
    public var kindName: String { "BoxArchiveError.\(caseName(of: self))" }
}
