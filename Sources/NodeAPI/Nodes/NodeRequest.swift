import Foundation

/// A request to create a node, as `POST /v1/nodes` takes it and `boxer node create` builds it:
/// `{"name", "image", "size", "ssh_key", "password", "user_data"}`. Fields other than these are
/// refused (a misspelt `ssh_keys` must not create a node without the key).
public struct NodeCreateRequest: Sendable, Equatable, Decodable {
    public var name: String
    /// An image id (GET /v1/images).
    public var image: String
    /// A size id (GET /v1/sizes); nil or "" for none: the box's own CPUs, memory and disk.
    public var size: String?
    /// An OpenSSH public key line that may log in as the box's SSH user.
    public var sshKey: String?
    /// A password for the box's SSH user.
    public var password: String?
    /// cloud-init user data: a `#cloud-config` document, a `#!` script, or any form cloud-init
    /// reads by its first line.
    public var userData: String?

    public init(
        name: String, image: String, size: String? = nil, sshKey: String? = nil, password: String? = nil, userData: String? = nil
    ) {
        self.name = name
        self.image = image
        self.size = size
        self.sshKey = sshKey
        self.password = password
        self.userData = userData
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, image, size, password
        case sshKey = "ssh_key"
        case userData = "user_data"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        image = try container.decode(String.self, forKey: .image)
        size = try container.decodeIfPresent(String.self, forKey: .size)
        sshKey = try container.decodeIfPresent(String.self, forKey: .sshKey)
        password = try container.decodeIfPresent(String.self, forKey: .password)
        userData = try container.decodeIfPresent(String.self, forKey: .userData)
    }

    /// The largest user data taken (what EC2 takes is 16 KiB; a little more room here).
    public static let maximumUserData = 64 * 1024

    /// Checks what can be checked without the store: the name, the key, the password and the user data.
    public func checkFields() throws(NodeError) {
        if let problem = NodeName.problem(name) { throw NodeError.badName(problem) }
        if let sshKey { try Self.checkPublicKey(sshKey) }
        if let password {
            guard !password.isEmpty, password.count <= 128,
                !password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw NodeError.badCredentials("a password is 1 to 128 characters without control characters") }
        }
        if let userData {
            guard userData.utf8.count <= Self.maximumUserData else {
                throw NodeError.badUserData("it is \(userData.utf8.count) bytes; at most \(Self.maximumUserData) are taken")
            }
            _ = try Self.userDataType(userData)
        }
    }

    /// One OpenSSH public key line: a known type, base64 data, an optional comment.
    static func checkPublicKey(_ key: String) throws(NodeError) {
        // A key read from a .pub file ends with a newline.
        let key = key.trimmingCharacters(in: .whitespacesAndNewlines)
        let fields = key.split(separator: " ", maxSplits: 2).map(String.init)
        let types = ["ssh-rsa", "ssh-ed25519", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"]
        let base64 = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
        guard key.utf8.count <= 16 * 1024, !key.contains("\n"), !key.contains("\r"), fields.count >= 2,
            types.contains(fields[0]) || fields[0].hasPrefix("sk-"), !fields[1].isEmpty,
            fields[1].unicodeScalars.allSatisfy(base64.contains), Data(base64Encoded: fields[1]) != nil,
            !key.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw NodeError.badCredentials(
                "ssh_key must be one OpenSSH public key line (\"ssh-ed25519 AAAA... comment\"), as in a .pub file")
        }
    }

    /// The MIME type cloud-init gives user data by its first line, or an error for text it would not run.
    static func userDataType(_ text: String) throws(NodeError) -> String {
        let starts: [(String, String)] = [
            ("#cloud-config-archive", "text/cloud-config-archive"), ("#cloud-config", "text/cloud-config"),
            ("#cloud-boothook", "text/cloud-boothook"), ("#include", "text/x-include-url"), ("#part-handler", "text/part-handler"),
            ("#!", "text/x-shellscript"), ("## template: jinja", "text/jinja2"),
        ]
        for (prefix, type) in starts where text.hasPrefix(prefix) { return type }
        throw NodeError.badUserData(
            "cloud-init runs user data that starts with #cloud-config, #! (a script), #include, #cloud-boothook or #part-handler; this starts with \(NodeName.quoted(String(text.prefix(20))))"
        )
    }
}

/// Refuses JSON object keys a request type does not have (Codable ignores them otherwise).
enum StrictKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func check(_ decoder: any Decoder, allowed: [String]) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [AnyKey(stringValue: unknown)],
                    debugDescription: "unknown field \"\(unknown)\"; the fields are \(allowed.sorted().joined(separator: ", "))"))
        }
    }
}
