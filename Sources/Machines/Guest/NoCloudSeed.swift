import BoxArchive
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
    /// The Vagrantfile's own user data (`config.vm.cloud_init :user_data`), after boxer's.
    public var userParts: [UserPart] = []

    /// One `config.vm.cloud_init :user_data` entry: its text, its MIME type (`text/cloud-config`,
    /// `text/x-shellscript`, ...) and, when given, the file name it is attached under.
    public struct UserPart: Sendable, Equatable {
        public var contentType: String
        public var text: String
        public var fileName: String?

        public init(contentType: String, text: String, fileName: String? = nil) {
            self.contentType = contentType
            self.text = text
            self.fileName = fileName
        }
    }

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

    /// boxer's cloud-config alone, or, with the Vagrantfile's parts, a MIME multipart of it and
    /// them in order (what Vagrant's CloudInitSetup writes; cloud-init merges the cloud-configs).
    public var userData: String {
        guard !userParts.isEmpty else { return boxerCloudConfig }
        let boundary = "==BOXER-\(instanceID.filter { $0.isLetter || $0.isNumber })=="
        var text = "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\nMIME-Version: 1.0\n\n"
        let parts = [UserPart(contentType: "text/cloud-config", text: boxerCloudConfig, fileName: "boxer.cfg")] + userParts
        for part in parts {
            let ascii = part.text.unicodeScalars.allSatisfy(\.isASCII)
            text += "--\(boundary)\nContent-Type: \(part.contentType)\nMIME-Version: 1.0\n"
            text += "Content-Transfer-Encoding: \(ascii ? "7bit" : "base64")\n"
            if let name = part.fileName {
                text += "Content-Disposition: attachment; filename=\"\(name.replacingOccurrences(of: "\"", with: "\\\""))\"\n"
            }
            text += "\n" + (ascii ? part.text : Data(part.text.utf8).base64EncodedString(options: .lineLength76Characters)) + "\n"
        }
        return text + "--\(boundary)--\n"
    }

    var boxerCloudConfig: String {
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
        do {
            try ISOImage.write(files.map { (name: $0.0, contents: Array($0.1.utf8)) }, volume: "cidata", to: path)
        } catch {
            let reason: String
            if case .writeFailed(_, let why) = error { reason = why } else { reason = error.description }
            throw MachineError.cannotWriteSeed(path, reason)
        }
    }

    /// A YAML scalar: quoted when it needs to be.
    private func yaml(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "-_.@/+= ".contains($0) } && !text.isEmpty && text.first != " "
        if plain && !text.contains(": ") { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
