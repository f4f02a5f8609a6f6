import CLibArchive
import Foundation

/// A cloud-init NoCloud seed: an ISO9660 volume labelled `cidata` holding `meta-data`,
/// `user-data` and, when set, `network-config`, written with libarchive's ISO9660 writer (Rock
/// Ridge names, a Joliet `cidata` label that blkid and cloud-init read).
public struct NoCloudSeed: Sendable, Equatable {
    public var instanceID: String
    public var hostname: String
    public var user: String
    public var authorizedKeys: [String]
    public var networkConfig: String?

    public init(instanceID: String, hostname: String, user: String, authorizedKeys: [String], networkConfig: String? = nil) {
        self.instanceID = instanceID
        self.hostname = hostname
        self.user = user
        self.authorizedKeys = authorizedKeys
        self.networkConfig = networkConfig
    }

    public var metaData: String {
        "instance-id: \(yaml(instanceID))\nlocal-hostname: \(yaml(hostname))\n"
    }

    public var userData: String {
        var lines = [
            "#cloud-config",
            "hostname: \(yaml(hostname))",
            "manage_etc_hosts: true",
            "ssh_pwauth: false",
            "users:",
            "  - default",
            "  - name: \(yaml(user))",
            "    sudo: \"ALL=(ALL) NOPASSWD:ALL\"",
            "    lock_passwd: true",
            "    ssh_authorized_keys:",
        ]
        lines += authorizedKeys.map { "      - \(yaml($0))" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the seed image to `path` (replacing it).
    public func write(to path: String) throws(MachineError) {
        var files = [("meta-data", metaData), ("user-data", userData)]
        if let networkConfig { files.append(("network-config", networkConfig)) }
        guard let archive = archive_write_new() else { throw MachineError(.io, "libarchive could not start an ISO9660 writer") }
        defer { archive_write_free(archive) }
        func check(_ status: Int32, _ what: String) throws(MachineError) {
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN else {
                throw MachineError(.io, "cannot write the seed \(path) (\(what)): \(archive_error_string(archive).map { String(cString: $0) } ?? "unknown error")")
            }
        }
        try check(archive_write_set_format_iso9660(archive), "format")
        try check(archive_write_set_format_option(archive, "iso9660", "volume-id", "cidata"), "volume id")
        try check(archive_write_set_format_option(archive, "iso9660", "joliet", "1"), "joliet")
        try check(archive_write_set_format_option(archive, "iso9660", "rockridge", "1"), "rock ridge")
        let temporary = path + ".tmp-\(getpid())"
        try check(archive_write_open_filename(archive, temporary), "open")
        for (name, text) in files {
            guard let entry = archive_entry_new() else { throw MachineError(.io, "libarchive could not make an entry") }
            defer { archive_entry_free(entry) }
            let bytes = Array(text.utf8)
            archive_entry_set_pathname(entry, name)
            archive_entry_set_filetype(entry, 0o100000)  // AE_IFREG
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_size(entry, la_int64_t(bytes.count))
            archive_entry_set_mtime(entry, 0, 0)
            try check(archive_write_header(archive, entry), "header of \(name)")
            let written = bytes.withUnsafeBytes { archive_write_data(archive, $0.baseAddress, $0.count) }
            guard written == bytes.count else { try check(ARCHIVE_FATAL, "data of \(name)"); return }
        }
        try check(archive_write_close(archive), "close")
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw MachineError(.io, "cannot write the seed \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// A YAML scalar: quoted when it needs to be.
    private func yaml(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "-_.@/+= ".contains($0) } && !text.isEmpty && text.first != " "
        if plain && !text.contains(": ") { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
