import Foundation

/// Applies Vagrant's defaults and types to a machine draft.
enum MachineBuilder {
    static func build(
        name: String, options: [String: ConfigValue], draft: MachineDraft, providers: [String: ProviderSettingsBox], order: [String],
        collector: ConfigurationCollector, at location: SourceLocation
    ) throws -> Machine {
        let networks = try Self.networks(draft.networks, collector: collector)
        let syncedFolders = Self.syncedFolders(draft.syncedFolders)
        let provisioners = try Self.provisioners(draft.provisioners, collector: collector)
        checkPaths(draft, collector: collector)
        checkMachine(name: name, draft: draft, collector: collector, at: location)
        let sshSettings = Self.sshSettings(draft.ssh)

        var settings = draft.vm
        let boxURL: [String]
        switch settings.removeValue(forKey: "box_url") {
        case .array(let items)?: boxURL = items.compactMap(\.string)
        case .string(let url)?: boxURL = [url]
        default: boxURL = []
        }
        let bootTimeout = settings.removeValue(forKey: "boot_timeout")
        if let bootTimeout, bootTimeout.int == nil {
            throw VagrantfileError.invalidBootTimeout(bootTimeout)
        }
        let architecture = settings.removeValue(forKey: "box_architecture")
        return Machine(
            name: name,
            primary: options["primary"]?.bool ?? false,
            autostart: options["autostart"]?.bool ?? true,
            box: settings.removeValue(forKey: "box")?.string,
            boxVersion: settings.removeValue(forKey: "box_version")?.string,
            boxURL: boxURL,
            boxCheckUpdate: settings.removeValue(forKey: "box_check_update")?.bool ?? true,
            boxArchitecture: architecture == nil ? "auto" : architecture == .null ? nil : architecture?.string,
            hostname: settings.removeValue(forKey: "hostname")?.string,
            bootTimeout: bootTimeout?.int ?? 300,
            communicator: settings.removeValue(forKey: "communicator")?.string ?? "ssh",
            baseMAC: settings.removeValue(forKey: "base_mac")?.string,
            settings: settings,
            networks: networks,
            syncedFolders: syncedFolders,
            providers: providers.mapValues(\.settings),
            providerOrder: order,
            provisioners: provisioners,
            ssh: sshSettings,
            providerOverrides: [:])
    }

    /// The forwarded ports and networks: Vagrant's ssh forward first (unless the Vagrantfile
    /// has its own or disables it), then the Vagrantfile's, a host port forwarded twice refused.
    static func networks(_ entries: [MachineDraft.NetworkEntry], collector: ConfigurationCollector) throws -> [Network] {
        var networks: [Network] = []
        // Vagrant's default: guest 22 → host 2222 on 127.0.0.1, id "ssh", auto_correct.
        let sshDefault = MachineDraft.NetworkEntry(
            type: "forwarded_port", id: "ssh",
            options: [
                "guest": .int(22), "host": .int(2222), "host_ip": .string("127.0.0.1"), "id": .string("ssh"), "auto_correct": .bool(true),
            ], location: SourceLocation(file: "(default)", line: 0, column: 0))
        var entries = entries
        if let index = entries.firstIndex(where: { $0.type == "forwarded_port" && $0.id == "ssh" }) {
            // Written by the user: used as given (Vagrant adds its default only when there is none),
            // listed first.
            let own = entries.remove(at: index)
            entries.insert(own, at: 0)
        } else {
            entries.insert(sshDefault, at: 0)
        }
        // `disabled: true` removes a forward, the default ssh one included.
        entries.removeAll { $0.type == "forwarded_port" && $0.options["disabled"]?.bool == true }
        for entry in entries {
            networks.append(try network(entry, collector: collector))
        }
        for (index, network) in networks.enumerated() {
            guard case .forwardedPort(let port) = network else { continue }
            if let clash = networks[..<index].first(where: {
                if case .forwardedPort(let other) = $0 {
                    return other.host == port.host && other.proto == port.proto && (other.hostIP ?? "") == (port.hostIP ?? "")
                        && !other.autoCorrect
                }
                return false
            }), case .forwardedPort(let other) = clash {
                throw VagrantfileError.hostPortForwardedTwice(
                    port.host, firstGuest: other.guest, secondGuest: port.guest, at: entries[index].location)
            }
        }
        return networks
    }

    /// The synced folders, `/vagrant` first unless the Vagrantfile shares something there.
    static func syncedFolders(_ drafts: [MachineDraft.FolderEntry]) -> [SyncedFolder] {
        var folders = drafts
        if !folders.contains(where: { $0.guestPath == "/vagrant" }) {
            folders.insert(
                .init(
                    id: "/vagrant", hostPath: ".", guestPath: "/vagrant", options: [:],
                    location: SourceLocation(file: "(default)", line: 0, column: 0)), at: 0)
        }
        return folders.map { entry -> SyncedFolder in
            var options = entry.options
            let disabled = options.removeValue(forKey: "disabled")?.bool ?? false
            var type = options.removeValue(forKey: "type")?.string
            if type == nil, options["nfs"]?.bool == true { type = "nfs" }
            return SyncedFolder(
                id: options["id"]?.string ?? entry.id, hostPath: entry.hostPath, guestPath: entry.guestPath, disabled: disabled, type: type,
                options: options)
        }
    }

    /// Vagrant's own checks of the machine's `config.vm` (vagrant 2.3.4's words).
    static func checkMachine(name: String, draft: MachineDraft, collector: ConfigurationCollector, at location: SourceLocation) {
        // "A box must be specified." is not checked yet: a define block may set the box through the
        // outer `config` after this machine's settings were taken (hadoop labs do), which Vagrant honours.
        if case .string("")? = draft.vm["box"] {
            collector.problem("vm", "Box value for guest '\(name)' is an empty string.", at: location)
        }
        if case .string(let hostname)? = draft.vm["hostname"], !Self.isValidHostname(hostname) {
            collector.problem(
                "vm",
                "The hostname set for the VM '\(name)' should only contain letters, numbers, hyphens or dots. It cannot start with a hyphen or dot.",
                at: location)
        }
    }

    /// Vagrant's /^\w+:/ for a guest path: word characters, then a colon.
    static func hasDrivePrefix(_ path: String) -> Bool {
        let word = path.unicodeScalars.prefix {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
        return !word.isEmpty && path.unicodeScalars.dropFirst(word.count).first == ":"
    }

    /// Vagrant's /^[a-z0-9][-.a-z0-9]*$/i, without a regular expression.
    static func isValidHostname(_ hostname: String) -> Bool {
        func letterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
        }
        guard let first = hostname.unicodeScalars.first, letterOrDigit(first) else { return false }
        return hostname.unicodeScalars.allSatisfy { letterOrDigit($0) || $0 == "-" || $0 == "." }
    }

    /// The synced folder types Vagrant 2.3.4 with vagrant-libvirt knows, then the ones of the
    /// hypervisors boxer drives that Vagrant needs a plugin for.
    static let syncedFolderTypes = ["virtualbox", "docker", "smb", "rsync", "nfs", "9p", "virtiofs", "parallels", "vmware"]

    /// Vagrant's validation of host paths: a shell provisioner's `path`, a file provisioner's
    /// `source` and a synced folder's host path (without `create: true`) must exist, relative
    /// to the project folder.
    static func checkPaths(_ draft: MachineDraft, collector: ConfigurationCollector) {
        func absolute(_ path: String) -> String {
            let expanded = (path as NSString).expandingTildeInPath
            return expanded.hasPrefix("/") ? expanded : collector.root + "/" + expanded
        }
        for entry in draft.provisioners {
            if entry.type == "shell", let path = entry.options["path"]?.string, !path.contains("://"),
                !FileManager.default.fileExists(atPath: absolute(path))
            {
                collector.problem(
                    "shell provisioner", "`path` for shell provisioner does not exist on the host system: \(absolute(path))",
                    at: entry.location)
            }
            if entry.type == "file", let source = entry.options["source"]?.string, !FileManager.default.fileExists(atPath: absolute(source))
            {
                collector.problem("File provisioner", "File upload source file \(absolute(source)) must exist", at: entry.location)
            }
            if entry.type == "ansible" || entry.type == "ansible_local", entry.options["playbook"] == nil {
                let section = entry.type == "ansible" ? "ansible remote provisioner" : "ansible local provisioner"
                collector.problem(section, "`playbook` file path must be set.", at: entry.location)
            }
            if entry.type == "salt" {
                // Salt's configuration files must be files on the host (vagrant 2.3.4's words).
                for key in ["minion_config", "master_config", "grains_config"] {
                    guard let path = entry.options[key]?.string else { continue }
                    var isFolder: ObjCBool = false
                    guard !FileManager.default.fileExists(atPath: absolute(path), isDirectory: &isFolder) || isFolder.boolValue else {
                        continue
                    }
                    collector.problem(
                        "salt provisioner",
                        key == "grains_config"
                            ? "The specified grains_config file could not be found."
                            : "The specified \(key) '\(absolute(path))' file could not be found.", at: entry.location)
                }
            }
        }
        for folder in draft.syncedFolders where folder.options["disabled"]?.bool != true {
            // Vagrant shares SMB folders only from Windows and macOS hosts, and says so when it
            // validates on Linux (vagrant 2.3.4's words).
            #if os(Linux)
                if folder.options["type"]?.string == "smb" {
                    collector.problem(
                        "vm",
                        "It appears your machine doesn't support SMB, has not been properly configured for SMB, or there is not an adapter to enable SMB on this machine for Vagrant. Ensure SMB host functionality is available on this machine and try again.",
                        at: folder.location)
                }
            #endif
            // A guest path is absolute, or a Windows one such as C:/vagrant.
            if !folder.guestPath.hasPrefix("/"), !Self.hasDrivePrefix(folder.guestPath) {
                collector.problem("vm", "The shared folder guest path must be absolute: \(folder.guestPath)", at: folder.location)
            }
            var isFolder: ObjCBool = false
            if folder.options["create"]?.bool != true,
                !(FileManager.default.fileExists(atPath: absolute(folder.hostPath), isDirectory: &isFolder) && isFolder.boolValue)
            {
                collector.problem("vm", "The host path of the shared folder is missing: \(folder.hostPath)", at: folder.location)
            }
            switch folder.options["mount_options"] {
            case nil, .null?, .array?: break
            default:
                collector.problem(
                    "vm", "Shared folder mount options specified by 'mount_options' must be an array of options.", at: folder.location)
            }
            // Any `type:` given, even "", must name a synced folder plugin (Vagrant's own, vagrant-libvirt's, and the
            // hypervisors boxer drives itself).
            if let type = folder.options["type"], type != .null, !Self.syncedFolderTypes.contains(type.description) {
                collector.problem(
                    "vm",
                    "The type '\(type.description)' is not a valid synced folder type. If 'type' is not specified, Vagrant will automatically choose the best synced folder option for your guest. Otherwise, please pick from the following available options: \(Self.syncedFolderTypes.joined(separator: ", "))",
                    at: folder.location)
            }
        }
    }

    /// The provisioners, each checked for the options its type needs.
    static func provisioners(_ drafts: [MachineDraft.ProvisionerEntry], collector: ConfigurationCollector) throws -> [Provisioner] {
        try drafts.map { entry -> Provisioner in
            var options = entry.options
            // As in Vagrant, any value other than always or never means once.
            let written = options.removeValue(forKey: "run")?.string ?? "once"
            let run = ["always", "never"].contains(written) ? written : "once"
            // Vagrant's checks, as problems: `status` still lists the machines. A shell step that only
            // reboots (`reboot: true`, `reset: true`) needs no script.
            if entry.type == "shell", options["inline"] != nil, options["path"] != nil {
                collector.problem("shell provisioner", "Only one of `path` or `inline` may be set.", at: entry.location)
            } else if entry.type == "shell", options["inline"] == nil, options["path"] == nil, options["reboot"]?.bool != true,
                options["reset"]?.bool != true
            {
                collector.problem("shell provisioner", "One of `path` or `inline` must be set.", at: entry.location)
            }
            if entry.type == "file", options["source"] == nil || options["destination"] == nil {
                throw VagrantfileError.fileProvisionerWithoutPaths(at: entry.location)
            }
            return Provisioner(name: entry.name, type: entry.type, run: run, options: options)
        }
    }

    /// `config.ssh`: the settings boxer uses, the rest kept as they were given.
    static func sshSettings(_ draft: [String: ConfigValue]) -> SSHSettings {
        var ssh = draft
        let keyPaths: [String]
        switch ssh.removeValue(forKey: "private_key_path") {
        case .array(let items)?: keyPaths = items.compactMap(\.string)
        case .string(let path)?: keyPaths = [path]
        default: keyPaths = []
        }
        return SSHSettings(
            username: ssh.removeValue(forKey: "username")?.string,
            password: ssh.removeValue(forKey: "password")?.string,
            insertKey: ssh.removeValue(forKey: "insert_key")?.bool ?? true,
            privateKeyPath: keyPaths,
            shell: ssh.removeValue(forKey: "shell")?.string,
            forwardAgent: ssh.removeValue(forKey: "forward_agent")?.bool ?? false,
            port: ssh.removeValue(forKey: "port")?.int,
            host: ssh.removeValue(forKey: "host")?.string,
            values: ssh)
    }

    static func network(_ entry: MachineDraft.NetworkEntry, collector: ConfigurationCollector) throws -> Network {
        var options = entry.options
        options.removeValue(forKey: "id")
        options.removeValue(forKey: "disabled")
        switch entry.type {
        case "forwarded_port":
            guard let guest = options.removeValue(forKey: "guest")?.int, let host = options.removeValue(forKey: "host")?.int else {
                throw VagrantfileError.forwardedPortWithoutPorts(at: entry.location)
            }
            guard (1...65535).contains(guest), (0...65535).contains(host) else {
                throw VagrantfileError.portOutOfRange(guest: guest, host: host, at: entry.location)
            }
            let proto = options["protocol"]?.string ?? "tcp"
            guard proto == "tcp" || proto == "udp" else {
                throw VagrantfileError.invalidPortProtocol(proto, at: entry.location)
            }
            return .forwardedPort(
                ForwardedPort(
                    id: entry.id, guest: guest, host: host, hostIP: options["host_ip"]?.string, guestIP: options["guest_ip"]?.string,
                    proto: proto, autoCorrect: options["auto_correct"]?.bool ?? false))
        case "private_network":
            let ip = options["ip"]?.string.flatMap { $0.isEmpty ? nil : $0 }
            // Neither ip nor type passes Vagrant's validation (the provider decides later): DHCP here.
            let dhcp = options["type"]?.string == "dhcp" || (ip == nil && options["type"] == nil)
            if !dhcp, ip == nil {
                collector.problem("vm", "An IP is required for a private network.", at: entry.location)
            }
            if let ip, !isIPv4(ip), !ip.contains(":") {
                throw VagrantfileError.invalidIPAddress(ip, at: entry.location)
            }
            return .privateNetwork(
                PrivateNetwork(
                    id: entry.id, ip: ip, dhcp: dhcp, netmask: options["netmask"]?.string, intnet: options["virtualbox__intnet"],
                    options: options, location: entry.location))
        default:
            return .publicNetwork(PublicNetwork(id: entry.id, ip: options["ip"]?.string, bridge: options["bridge"], options: options))
        }
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { Int($0).map { (0...255).contains($0) } == true && !$0.isEmpty && $0.count <= 3 }
    }
}
