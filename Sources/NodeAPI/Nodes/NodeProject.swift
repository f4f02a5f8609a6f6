import Foundation

/// The files boxer writes into a node's folder: a Vagrantfile for its one machine, the cloud-config
/// with its initial credentials and, when given, its user data. The node's machine is then an
/// ordinary machine of an ordinary project: `boxer up` makes it, `boxer ssh` in the folder works,
/// `boxer global-status` lists it.
public struct NodeProject: Sendable, Equatable {
    public var record: NodeRecord
    public var image: NodeImage
    public var sshKey: String?
    public var password: String?
    public var userData: String?

    public static let credentialsFile = "credentials.cfg"
    public static let userDataFile = "user-data"

    public init(record: NodeRecord, image: NodeImage, sshKey: String?, password: String?, userData: String?) {
        self.record = record
        self.image = image
        self.sshKey = sshKey
        self.password = password
        self.userData = userData
    }

    /// The folder's files besides `node.json` and the credentials, with their modes.
    public var files: [String: (text: String, mode: mode_t)] {
        var files: [String: (text: String, mode: mode_t)] = ["Vagrantfile": (vagrantfile, 0o644)]
        if let userData { files[Self.userDataFile] = (userData, 0o600) }
        return files
    }

    public var hasCredentials: Bool { sshKey != nil || password != nil }

    /// The cloud-config that gives `user` (the box's SSH user) the key or password; nil when
    /// neither was given. cloud-init applies it on first boot (this part comes after boxer's own
    /// cloud-config, so its `ssh_pwauth` replaces boxer's and its lists are added to), and boxer's
    /// tiny test guest reads the keys from it.
    public func credentialsCloudConfig(user: String) -> String? {
        guard hasCredentials else { return nil }
        var lines = [
            "#cloud-config", "# The initial credentials of node \(record.name), given when it was created.",
            "merge_how: 'dict(replace)+list(append)+str()'",
        ]
        if let sshKey {
            let key = Self.yamlString(sshKey.trimmingCharacters(in: .whitespacesAndNewlines))
            // The distribution's default user's; the SSH user's (vagrant) comes with boxer's own
            // cloud-config (the provider block's `authorized_keys`), since a second `users:`
            // entry for that user could replace boxer's.
            lines += ["ssh_authorized_keys:", "  - " + key]
        }
        if let password {
            lines += [
                "ssh_pwauth: true", "chpasswd:", "  expire: false", "  users:", "    - name: " + Self.yamlString(user),
                "      password: " + Self.yamlString(password), "      type: text",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The node's Vagrantfile. Every value comes from a checked request or the box store and is
    /// written as a single-quoted Ruby string, so nothing in it is evaluated.
    public var vagrantfile: String {
        let name = Self.ruby(record.name)
        var lines = [
            "# Node \(record.name), made by `boxer node create` or boxer serve's POST /v1/nodes; `boxer node destroy \(record.name)` removes it.",
            "Vagrant.configure('2') do |config|",
            "  config.vm.define \(name) do |node|",
            "    node.vm.box = \(Self.ruby(image.name))",
            "    node.vm.box_version = \(Self.ruby("= " + image.version))",
        ]
        if let architecture = image.architecture, !architecture.isEmpty {
            lines.append("    node.vm.box_architecture = \(Self.ruby(architecture))")
        }
        lines += [
            "    node.vm.box_check_update = false",
            "    node.vm.hostname = \(Self.ruby(NodeName.hostname(record.name)))",
            "    node.vm.synced_folder '.', '/vagrant', disabled: true",
        ]
        if record.diskGiB > 0 {
            lines.append("    node.vm.disk :disk, name: 'primary', size: '\(record.diskGiB)GB', primary: true")
        }
        if hasCredentials {
            lines.append("    node.vm.cloud_init :user_data, content_type: 'text/cloud-config', path: \(Self.ruby(Self.credentialsFile))")
        }
        if let userData, let type = try? NodeCreateRequest.userDataType(userData) {
            lines.append("    node.vm.cloud_init :user_data, content_type: \(Self.ruby(type)), path: \(Self.ruby(Self.userDataFile))")
        }
        lines.append("    node.vm.provider \(Self.ruby(record.provider)) do |provider|")
        if record.cpus > 0 { lines.append("      provider.cpus = \(record.cpus)") }
        if record.memoryMiB > 0 { lines.append("      provider.memory = \(record.memoryMiB)") }
        if record.provider == "qemu" {
            lines.append("      provider.extra_qemu_args = [" + qemuArguments.map(Self.ruby).joined(separator: ", ") + "]")
            // The SSH user's, through boxer's own cloud-config and kept if the insecure key is replaced.
            if let sshKey {
                lines.append("      provider.authorized_keys = [\(Self.ruby(sshKey.trimmingCharacters(in: .whitespacesAndNewlines)))]")
            }
        }
        lines += ["    end", "  end", "end"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The QEMU arguments of a node: its DMI strings and the PCI bridge its volumes are
    /// hot-plugged into (q35 and virt take no hot-plugged device on their root bus). One bridge
    /// with a slot per volume (hot-plugged through ACPI): eight PCIe root ports, one per volume,
    /// made each boot 0.1 s slower.
    public var qemuArguments: [String] {
        smbiosArguments + ["-device", "pcie-pci-bridge,id=\(Self.hotplugBridge),bus=pcie.0"]
    }

    /// How many volumes a node takes at once (slots 1... of its bridge).
    public static let hotplugSlots = 16

    public static let hotplugBridge = "boxer-hotplug"

    /// What the guest can read of its node in DMI, whatever its OS: the system serial in the form
    /// cloud-init's NoCloud reads (`ds=nocloud;h=<hostname>`), and the SSH key as a type 11 OEM
    /// string in systemd's credential form (`ssh.authorized_keys.root`, which systemd 252+ installs).
    /// The password is not put here: QEMU's command line is readable by every user of the host.
    public var smbiosArguments: [String] {
        var arguments = ["-smbios", "type=1,serial=" + Self.qemuOption("ds=nocloud;h=" + NodeName.hostname(record.name))]
        if let sshKey {
            arguments += [
                "-smbios",
                "type=11,value="
                    + Self.qemuOption(
                        "io.systemd.credential:ssh.authorized_keys.root=" + sshKey.trimmingCharacters(in: .whitespacesAndNewlines)),
            ]
        }
        return arguments
    }

    /// A single-quoted Ruby string: only `\` and `'` are special in it.
    static func ruby(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// A double-quoted YAML string (JSON's escapes are YAML's).
    static func yamlString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A value inside a QEMU option list, where a comma is written twice.
    static func qemuOption(_ text: String) -> String {
        text.replacingOccurrences(of: ",", with: ",,")
    }
}
