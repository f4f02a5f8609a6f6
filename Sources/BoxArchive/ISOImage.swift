import CLibArchive
import Foundation

/// A small ISO9660 image (Joliet and Rock Ridge) written with libarchive: the NoCloud seed a
/// guest's cloud-init reads (volume `cidata`), built in process rather than with genisoimage.
public enum ISOImage {
    /// Writes `files` (name, contents) into an image labelled `volume` at `path`, replacing it
    /// only once the image is whole.
    public static func write(_ files: [(name: String, contents: [UInt8])], volume: String, to path: String) throws(BoxArchiveError) {
        guard let archive = archive_write_new() else {
            throw .writeFailed(path: path, reason: "libarchive could not start an ISO9660 writer")
        }
        defer { archive_write_free(archive) }
        func check(_ status: Int32, _ what: String) throws(BoxArchiveError) {
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
                throw .writeFailed(
                    path: path, reason: "\(what): \(archive_error_string(archive).map { String(cString: $0) } ?? "unknown error")")
            }
        }
        try check(archive_write_set_format_iso9660(archive), "format")
        try check(archive_write_set_format_option(archive, "iso9660", "volume-id", volume), "volume id")
        try check(archive_write_set_format_option(archive, "iso9660", "joliet", "1"), "joliet")
        try check(archive_write_set_format_option(archive, "iso9660", "rockridge", "1"), "rock ridge")
        let temporary = path + ".tmp-\(getpid())"
        try check(archive_write_open_filename(archive, temporary), "open")
        for file in files {
            guard let entry = archive_entry_new() else { throw .writeFailed(path: path, reason: "libarchive could not make an entry") }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname(entry, file.name)
            archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_size(entry, la_int64_t(file.contents.count))
            archive_entry_set_mtime(entry, 0, 0)
            try check(archive_write_header(archive, entry), "header of \(file.name)")
            let written = file.contents.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
            guard written == file.contents.count else {
                unlink(temporary)
                throw .writeFailed(
                    path: path,
                    reason: "data of \(file.name): \(archive_error_string(archive).map { String(cString: $0) } ?? "short write")")
            }
        }
        try check(archive_write_close(archive), "close")
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .writeFailed(path: path, reason: reason)
        }
    }
}
