import Crypto
import Foundation

/// The checksum types Vagrant accepts for boxes (`checksum_type` in catalogs, `--checksum-type`).
public enum ChecksumType: String, CaseIterable, Sendable, Codable {
    case md5, sha1, sha256, sha384, sha512

    /// Parses Vagrant's spellings, which are case-insensitive.
    public init?(vagrantName: String) {
        self.init(rawValue: vagrantName.lowercased())
    }

    public func makeDigest() -> StreamingDigest {
        StreamingDigest(type: self)
    }
}

/// A hash computed while bytes stream past, so a box is read only once.
public struct StreamingDigest {
    public let type: ChecksumType
    private var function: any HashFunction

    public init(type: ChecksumType) {
        self.type = type
        switch type {
        case .md5: function = Insecure.MD5()
        case .sha1: function = Insecure.SHA1()
        case .sha256: function = SHA256()
        case .sha384: function = SHA384()
        case .sha512: function = SHA512()
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        function.update(bufferPointer: bytes)
    }

    public mutating func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// Lower-case hex, as Vagrant and `sha256sum` print it.
    public func finalizeHex() -> String {
        function.finalize().map { String(format: "%02x", $0) }.joined()
    }
}

/// An expected checksum from a catalog or `--checksum`.
public struct ExpectedChecksum: Sendable, Equatable {
    public let type: ChecksumType
    public let value: String

    public init(type: ChecksumType, value: String) {
        self.type = type
        self.value = value.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Vagrant compares case-insensitively.
    public func matches(_ actualHex: String) -> Bool {
        value == actualHex.lowercased()
    }
}
