import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// The libvirt daemon a machine lives on: its connection URI and, for a remote host, the SSH
/// hop that reaches it. Chosen when the machine is created and recorded in its folder
/// (`libvirt_host`), so a created machine never moves, whatever the Vagrantfile or the
/// environment says later.
public struct LibvirtHost: Sendable, Equatable, Codable {
    public var uri: String

    public init(uri: String) {
        self.uri = uri
    }

    private var components: URLComponents? { URLComponents(string: uri) }

    /// `qemu+ssh` → "ssh"; nil for a local URI (`qemu:///system`).
    var transport: String? {
        guard let scheme = components?.scheme, let plus = scheme.firstIndex(of: "+") else { return nil }
        return String(scheme[scheme.index(after: plus)...])
    }

    var hostName: String? {
        guard let host = components?.host, !host.isEmpty else { return nil }
        return host
    }

    /// Whether the daemon is on another machine (reached over the network, not a local socket).
    public var isRemote: Bool { hostName != nil }

    /// A per-user daemon (`qemu:///session`) rather than the system one.
    var isSession: Bool { components?.path == "/session" }

    /// How `status` names the host: its address, or "local".
    public var displayName: String { hostName ?? "local" }

    /// The SSH hop to a remote host: the URI's user, host, port and `keyfile`.
    public var proxy: SSHProxy? {
        guard let components, let host = hostName, let transport, transport.hasPrefix("ssh") || transport.hasPrefix("libssh") else {
            return nil
        }
        let keyfile = components.queryItems?.first { $0.name == "keyfile" }?.value
        return SSHProxy(host: host, user: components.user, port: components.port, identity: keyfile)
    }

    /// Why boxer cannot use this URI, or nil. boxer reaches a remote host's forwarded ports over
    /// SSH, so a remote host needs an SSH transport.
    var problem: String? {
        guard let components, let scheme = components.scheme else { return "it is not a URI" }
        guard scheme == "qemu" || scheme.hasPrefix("qemu+") else {
            return "boxer runs QEMU domains: the URI's driver must be qemu (qemu:///system, qemu+ssh://user@host/system)"
        }
        if isRemote && proxy == nil {
            return "boxer reaches a remote host's machines over SSH: use qemu+ssh://\(hostName ?? "host")/system"
        }
        return nil
    }

    /// The machine's host as its `libvirt` block says, the way vagrant-libvirt reads it: `uri`;
    /// else `host` with `connect_via_ssh`, `username`, `id_ssh_key_file`, `qemu_use_session`,
    /// `socket`; nil when the block names none of these (the host is then placed, or the
    /// default one).
    static func configured(_ settings: [String: ConfigValue], home: String) -> LibvirtHost? {
        if let uri = settings["uri"]?.string, !uri.isEmpty { return LibvirtHost(uri: uri) }
        let named = ["connect_via_ssh", "host", "username", "id_ssh_key_file", "qemu_use_session", "socket"]
        guard named.contains(where: { settings[$0] != nil && settings[$0] != .null }) else { return nil }
        let session = settings["qemu_use_session"]?.bool ?? false
        var keyFile = settings["id_ssh_key_file"]?.string
        let viaSSH = settings["connect_via_ssh"]?.bool ?? (keyFile != nil)
        var uri = "qemu"
        var query: [String] = []
        if viaSSH {
            uri += "+ssh://"
            if let user = settings["username"]?.string, !user.isEmpty {
                uri += (user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? user) + "@"
            }
            uri += settings["host"]?.string ?? "localhost"
            // vagrant-libvirt's rule: a bare name is in ~/.ssh; the default is id_rsa when it exists.
            if let name = keyFile, !name.hasPrefix("/") && !name.hasPrefix("~") {
                keyFile = home + "/.ssh/" + name
            } else if let name = keyFile {
                keyFile = (name as NSString).expandingTildeInPath
            } else if settings["id_ssh_key_file"] == nil, HostFiles.kind(of: home + "/.ssh/id_rsa") == .regular {
                keyFile = home + "/.ssh/id_rsa"
            }
            if let keyFile { query.append("keyfile=" + keyFile) }
        } else {
            uri += "://" + (settings["host"]?.string ?? "")
        }
        uri += session ? "/session" : "/system"
        if let socket = settings["socket"]?.string { query.append("socket=" + socket) }
        if !query.isEmpty { uri += "?" + query.joined(separator: "&") }
        return LibvirtHost(uri: uri)
    }

    /// Where a machine that names no host goes: `$LIBVIRT_DEFAULT_URI`, else the system daemon
    /// for root and the user's session daemon for anyone else, as virsh chooses.
    static func fallback(environment: [String: String]) -> LibvirtHost {
        if let uri = environment["LIBVIRT_DEFAULT_URI"], !uri.isEmpty { return LibvirtHost(uri: uri) }
        return LibvirtHost(uri: getuid() == 0 ? "qemu:///system" : "qemu:///session")
    }

    /// `$BOXER_LIBVIRT_HOSTS` (space- or comma-separated URIs) or the `hosts` setting: hosts
    /// that machines naming none are placed on.
    static func pool(_ settings: [String: ConfigValue], environment: [String: String]) -> [LibvirtHost] {
        var uris: [String] = []
        if let listed = environment["BOXER_LIBVIRT_HOSTS"] {
            uris = listed.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }).map(String.init)
        } else if case .array(let items)? = settings["hosts"] {
            uris = items.compactMap(\.string)
        } else if let single = settings["hosts"]?.string {
            uris = [single]
        }
        return uris.map(LibvirtHost.init(uri:))
    }
}
