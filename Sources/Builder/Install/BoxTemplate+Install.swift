import BoxerSupport
import Foundation
import Providers
import Yams

extension BoxTemplate {
    /// `install:`, for an installer ISO source: Packer's qemu-builder settings for typing the boot
    /// command, serving the answer file, and waiting for the installed system.
    public struct Install: Sendable, Equatable {
        /// Seconds between power-on and the first key (Packer's `boot_wait`).
        public var bootWait: Double = 10
        /// Text to wait for on the serial console before `boot_wait` starts (the boot menu's
        /// prompt), so that typing never starts early on a slow host; nil: only `boot_wait`.
        public var bootWaitFor: String?
        /// The lines of `boot_command`, checked when the template is read, parsed at build time.
        public var bootCommand: [String]
        /// Seconds between two keys (`boot_key_interval`).
        public var bootKeyInterval: Double = 0.05
        /// A folder next to the template served as the root of the installer's HTTP server.
        public var httpDirectory: String?
        /// Files served by path (`/ks.cfg`), written in the template; they win over the folder's.
        public var httpContent: [String: String] = [:]
        /// Who boxer logs in as once the installed system is up: the answer file gives this user
        /// Vagrant's insecure public key, as every Vagrant box has it.
        public var sshUsername = "vagrant"
        /// How long the installed system gets to answer SSH after the installer's reboot.
        public var sshTimeout: Double = 1800
        /// How long the installer gets, from its boot command to its reboot or power-off.
        public var installTimeout: Double = 3600
        /// Run (as root) instead of the ACPI power button to power the guest off at the end.
        public var shutdownCommand: String?
        /// How long the guest gets to power off.
        public var shutdownTimeout: Double = 300
        /// Files in the installed system kept in the build log when a later step fails (the
        /// `%post --log` file, `/var/log/installer/`).
        public var logs: [String] = []
    }

    static let installKeys: Set<String> = [
        "boot_wait", "boot_wait_for", "boot_command", "boot_key_interval", "http_directory", "http_content", "ssh_username", "ssh_timeout",
        "install_timeout", "shutdown_command", "shutdown_timeout", "logs",
    ]

    /// The section, required with an ISO source and refused with an image.
    static func readInstall(_ top: [String: Node], source: Source, reader: TemplateReader, root: Node) throws(BuildError) -> Install? {
        guard let node = top["install"] else {
            if source.kind == .iso { throw reader.missing("install (boot_command and how the answer file is served)", in: root) }
            return nil
        }
        guard source.kind == .iso else {
            throw reader.problem(node, "install", "is for installer ISOs (source.kind: iso); a cloud image is customized as it is")
        }
        let map = try reader.mapping(node, "install")
        try reader.onlyKeys(map, installKeys, in: node, "install")
        guard let commandNode = map["boot_command"] else { throw reader.missing("install.boot_command", in: node) }
        var lines: [String] = []
        for item in try reader.sequence(commandNode, "install.boot_command") {
            guard let line = try reader.string(item, "install.boot_command") else { continue }
            // Checked now, with stand-in values: a typo is an error before anything starts.
            do {
                _ = try BootCommand.parse([line], variables: .init(httpIP: "10.0.2.100", httpPort: 8000, name: "check"))
            } catch {
                throw reader.problem(item, "install.boot_command", error.text)
            }
            lines.append(line)
        }
        var install = Install(bootCommand: lines)
        func seconds(_ field: String) throws(BuildError) -> Double? {
            guard let text = try reader.string(map[field], "install.\(field)") else { return nil }
            guard let value = BootCommand.duration(text.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw reader.problem(map[field], "install.\(field)", "'\(text)' is not a duration such as 10s, 5m, 1h30m or 500ms")
            }
            return value
        }
        install.bootWait = try seconds("boot_wait") ?? install.bootWait
        install.bootKeyInterval = try seconds("boot_key_interval") ?? install.bootKeyInterval
        install.sshTimeout = try seconds("ssh_timeout") ?? install.sshTimeout
        install.installTimeout = try seconds("install_timeout") ?? install.installTimeout
        install.shutdownTimeout = try seconds("shutdown_timeout") ?? install.shutdownTimeout
        install.bootWaitFor = try reader.string(map["boot_wait_for"], "install.boot_wait_for")
        install.httpDirectory = try reader.string(map["http_directory"], "install.http_directory")
        if let contentNode = map["http_content"] {
            for (path, value) in try reader.pairs(contentNode, "install.http_content") {
                guard path.hasPrefix("/"), !path.split(separator: "/").contains(".."), !path.hasSuffix("/") else {
                    throw reader.problem(
                        contentNode, "install.http_content", "'\(path)' is not a file path on the server such as /ks.cfg")
                }
                guard let text = try reader.string(value, "install.http_content.\(path)") else { continue }
                install.httpContent[path] = text
            }
        }
        install.sshUsername = try reader.string(map["ssh_username"], "install.ssh_username") ?? install.sshUsername
        install.shutdownCommand = try reader.string(map["shutdown_command"], "install.shutdown_command")
        if let logsNode = map["logs"] {
            for item in try reader.sequence(logsNode, "install.logs") {
                guard let path = try reader.string(item, "install.logs"), path.hasPrefix("/") else {
                    throw reader.problem(item, "install.logs", "is not an absolute path in the installed system")
                }
                install.logs.append(path)
            }
        }
        if install.httpDirectory == nil, install.httpContent.isEmpty,
            lines.contains(where: { $0.contains(".HTTPIP") || $0.contains(".HTTPPort") })
        {
            throw reader.problem(
                commandNode, "install.boot_command",
                "names the HTTP server ({{ .HTTPIP }}), but install has no http_directory or http_content to serve")
        }
        return install
    }
}
