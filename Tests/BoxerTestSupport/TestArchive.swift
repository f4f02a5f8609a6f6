import CLibArchive
import Foundation

/// Writes archives with arbitrary entries — including the hostile ones boxer must refuse — through
/// libarchive directly, bypassing boxer's own writer and its rules.
public struct TestArchive {
    public enum Format: String, CaseIterable, Sendable { case pax, gnutar, ustar, zip }
    public enum Filter: String, CaseIterable, Sendable { case none, gzip, bzip2, xz, lzma, zstd, lz4 }

    public enum Entry {
        case file(String, Data, mode: UInt32 = 0o644)
        case directory(String)
        case symlink(String, target: String)
        case hardlink(String, target: String)
        case fifo(String)
        case characterDevice(String)
        case blockDevice(String)
    }

    public var format: Format
    public var filter: Filter
    public var entries: [Entry]

    public init(format: Format = .pax, filter: Filter = .gzip, entries: [Entry]) {
        self.format = format
        self.filter = filter
        self.entries = entries
    }

    /// A minimal valid box: metadata.json, a Vagrantfile and a small disk.
    public static func minimalBox(provider: String = "libvirt", extra: [Entry] = []) -> [Entry] {
        [
            .file("metadata.json", Data("{\"provider\":\"\(provider)\",\"format\":\"qcow2\",\"virtual_size\":1}".utf8)),
            .file("Vagrantfile", Data("Vagrant.configure(\"2\") { |c| }\n".utf8)),
            .file("box.img", Data(repeating: 7, count: 4096)),
        ] + extra
    }

    public func write(to url: URL) throws {
        guard let writer = archive_write_new() else { throw TestArchiveError("archive_write_new") }
        defer { archive_write_free(writer) }
        switch format {
        case .pax: archive_write_set_format_pax_restricted(writer)
        case .gnutar: archive_write_set_format_gnutar(writer)
        case .ustar: archive_write_set_format_ustar(writer)
        case .zip: archive_write_set_format_zip(writer)
        }
        let status: Int32
        switch filter {
        case .none: status = archive_write_add_filter_none(writer)
        case .gzip: status = archive_write_add_filter_gzip(writer)
        case .bzip2: status = archive_write_add_filter_bzip2(writer)
        case .xz: status = archive_write_add_filter_xz(writer)
        case .lzma: status = archive_write_add_filter_lzma(writer)
        case .zstd: status = archive_write_add_filter_zstd(writer)
        case .lz4: status = archive_write_add_filter_lz4(writer)
        }
        guard status == ARCHIVE_OK else { throw TestArchiveError("filter \(filter): \(Self.message(writer))") }
        guard archive_write_open_filename(writer, url.path) == ARCHIVE_OK else {
            throw TestArchiveError("open \(url.path): \(Self.message(writer))")
        }
        for item in entries {
            guard let entry = archive_entry_new() else { throw TestArchiveError("archive_entry_new") }
            defer { archive_entry_free(entry) }
            var payload = Data()
            switch item {
            case .file(let path, let data, let mode):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o100000)
                archive_entry_set_perm(entry, mode)
                archive_entry_set_size(entry, Int64(data.count))
                payload = data
            case .directory(let path):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o040000)
                archive_entry_set_perm(entry, 0o755)
            case .symlink(let path, let target):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o120000)
                archive_entry_set_perm(entry, 0o777)
                archive_entry_set_symlink(entry, target)
            case .hardlink(let path, let target):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o100000)
                archive_entry_set_perm(entry, 0o644)
                archive_entry_set_hardlink(entry, target)
            case .fifo(let path):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o010000)
                archive_entry_set_perm(entry, 0o644)
            case .characterDevice(let path):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o020000)
                archive_entry_set_perm(entry, 0o644)
                archive_entry_set_rdev(entry, dev_t((1 << 8) | 3))
            case .blockDevice(let path):
                archive_entry_set_pathname(entry, path)
                archive_entry_set_filetype(entry, 0o060000)
                archive_entry_set_perm(entry, 0o644)
                archive_entry_set_rdev(entry, dev_t(8 << 8))
            }
            guard archive_write_header(writer, entry) >= ARCHIVE_WARN else {
                throw TestArchiveError("header: \(Self.message(writer))")
            }
            if !payload.isEmpty {
                let written = payload.withUnsafeBytes { archive_write_data(writer, $0.baseAddress, $0.count) }
                guard written == payload.count else { throw TestArchiveError("data: \(Self.message(writer))") }
            }
        }
        guard archive_write_close(writer) == ARCHIVE_OK else { throw TestArchiveError("close: \(Self.message(writer))") }
    }

    static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "?"
    }
}

public struct TestArchiveError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
