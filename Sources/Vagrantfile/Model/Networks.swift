import Foundation

public enum Network: Sendable, Equatable, Codable {
    case forwardedPort(ForwardedPort)
    case privateNetwork(PrivateNetwork)
    case publicNetwork(PublicNetwork)

    public var id: String {
        switch self {
        case .forwardedPort(let port): return port.id
        case .privateNetwork(let network): return network.id
        case .publicNetwork(let network): return network.id
        }
    }
}

public struct ForwardedPort: Sendable, Equatable, Codable {
    public var id: String
    public var guest: Int
    public var host: Int
    public var hostIP: String?
    public var guestIP: String?
    public var proto: String
    public var autoCorrect: Bool

    public init(id: String, guest: Int, host: Int, hostIP: String?, guestIP: String?, proto: String, autoCorrect: Bool) {
        self.id = id
        self.guest = guest
        self.host = host
        self.hostIP = hostIP
        self.guestIP = guestIP
        self.proto = proto
        self.autoCorrect = autoCorrect
    }
}

public struct PrivateNetwork: Sendable, Equatable, Codable {
    public var id: String
    /// nil with `type: "dhcp"`.
    public var ip: String?
    public var dhcp: Bool
    public var netmask: String?
    /// `virtualbox__intnet`: true (Vagrant's shared "intnet") or a network name.
    public var intnet: ConfigValue?
    public var options: [String: ConfigValue]
    /// Where the Vagrantfile says it, for errors found when the machine comes up.
    public var location: SourceLocation?
}

public struct PublicNetwork: Sendable, Equatable, Codable {
    public var id: String
    public var ip: String?
    public var bridge: ConfigValue?
    public var options: [String: ConfigValue]
}
