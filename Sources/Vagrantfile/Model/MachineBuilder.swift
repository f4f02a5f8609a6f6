import Foundation

/// Applies Vagrant's defaults and types to a machine draft.
enum MachineBuilder {
    static func build(
        name: String, options: [String: ConfigValue], draft: MachineDraft, providers: [String: ProviderSettingsBox], order: [String],
        collector: ConfigurationCollector, at location: SourceLocation
    ) throws -> Machine {
        let networks = Self.networks(draft.networks, collector: collector)
        let syncedFolders = Self.syncedFolders(draft.syncedFolders)
        let provisioners = Self.provisioners(draft.provisioners)
        checkPaths(draft, collector: collector)
        try MachineChecks.check(name: name, draft: draft, collector: collector, at: location)
        DiskChecks.check(name: name, draft: draft, collector: collector)
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
            // Vagrant reads any value here and fails only when it waits for the machine to boot.
            collector.startProblem(
                "config.vm.boot_timeout must be a number of seconds, not \(bootTimeout)",
                at: draft.location(of: "vm", "boot_timeout", else: location))
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
            triggers: draft.triggers,
            hostManager: HostManagerSettings(draft.hostManager),
            providerOverrides: [:])
    }

    /// The forwarded ports and networks: Vagrant's ssh forward first (unless the Vagrantfile
    /// has its own or disables it), then the Vagrantfile's, a host port forwarded twice refused.
    static func networks(_ entries: [MachineDraft.NetworkEntry], collector: ConfigurationCollector) -> [Network] {
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
        // Vagrant's checks of networks (vm.rb `validate`), in its words; a forward it refuses is left out.
        var forwardsWithoutPorts = false
        var forwardKeys: Set<String> = []
        var hostnames = 0
        for entry in entries {
            let options = entry.options
            if ProvisionerChecks.isSet(options["hostname"]) {
                hostnames += 1
                if hostnames == 2 { collector.problem("vm", "Multiple networks have set `:hostname`", at: entry.location) }
                if options["ip"] == nil || options["ip"] == .null {
                    collector.problem("vm", "Network specified with `:hostname` must provide a static ip", at: entry.location)
                }
            }
            if entry.type == "forwarded_port" {
                let guest = options["guest"]
                let host = options["host"]
                if !ProvisionerChecks.isSet(guest) || !ProvisionerChecks.isSet(host) {
                    if !forwardsWithoutPorts {
                        collector.problem("vm", "Forwarded port definitions require a \"host\" and \"guest\" value", at: entry.location)
                    }
                    forwardsWithoutPorts = true
                }
                if let host, ProvisionerChecks.isSet(host) {
                    let proto = options["protocol"]?.string ?? "tcp"
                    if !forwardKeys.insert((options["host_ip"]?.string ?? "") + proto + host.description).inserted {
                        collector.problem(
                            "vm",
                            "Forwarded port '\(host.description)' (host port) is declared multiple times with the protocol '\(proto)'.",
                            at: entry.location)
                    }
                }
                // Ruby's `to_i`: a port that is not a number is 0.
                let ports = [guest, host].map { $0.map(Self.rubyInteger) ?? 0 }
                guard ports.allSatisfy({ (1...65535).contains($0) }) else {
                    if ProvisionerChecks.isSet(guest), ProvisionerChecks.isSet(host) {
                        collector.problem("vm", "Ports to forward must be 1 to 65535", at: entry.location)
                    }
                    continue
                }
            }
            if let network = network(entry, collector: collector) { networks.append(network) }
        }
        return networks
    }

    /// The synced folders, the project at `/vagrant` first unless the Vagrantfile shares the
    /// project folder itself or names a folder "/vagrant" (Vagrant's rule).
    static func syncedFolders(_ drafts: [MachineDraft.FolderEntry]) -> [SyncedFolder] {
        var folders = drafts
        if !folders.contains(where: { $0.hostPath == "." || $0.id == "/vagrant" }) {
            folders.insert(
                .init(
                    id: "/vagrant", hostPath: ".", guestPath: "/vagrant", options: [:],
                    location: SourceLocation(file: "(default)", line: 0, column: 0)), at: 0)
        }
        return folders.map { entry -> SyncedFolder in
            var options = entry.options
            // A folder given only a name is shared by the hypervisor and mounted nowhere: nothing for boxer to do.
            let disabled = (options.removeValue(forKey: "disabled")?.bool ?? false) || entry.guestPath.isEmpty
            var type = options.removeValue(forKey: "type")?.string
            if type == nil, options["nfs"]?.bool == true { type = "nfs" }
            return SyncedFolder(
                id: options["id"]?.string ?? entry.id, hostPath: entry.hostPath, guestPath: entry.guestPath, disabled: disabled, type: type,
                options: options)
        }
    }

    /// The synced folder types Vagrant 2.3.4 with vagrant-libvirt knows, then the ones of the
    /// hypervisors boxer drives that Vagrant needs a plugin for.
    static let syncedFolderTypes = ["virtualbox", "docker", "smb", "rsync", "nfs", "9p", "virtiofs", "parallels", "vmware"]

    /// Vagrant's validation of host paths: a shell provisioner's `path`, a file provisioner's
    /// `source` and a synced folder's host path (without `create: true`) must exist, relative
    /// to the project folder.
    static func checkPaths(_ draft: MachineDraft, collector: ConfigurationCollector) {
        let paths = HostPaths(root: collector.root)
        for entry in draft.provisioners {
            ProvisionerChecks.check(entry, communicator: draft.vm["communicator"]?.string, collector: collector)
        }
        var usedGuestPaths: Set<String> = []
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
            if folder.guestPath.isEmpty {
                if folder.id.isEmpty {
                    collector.problem("vm", "Shared folder options must include a guestpath and/or name.", at: folder.location)
                }
            } else if !folder.guestPath.hasPrefix("/"), !MachineChecks.hasDrivePrefix(folder.guestPath) {
                // A guest path is absolute, or a Windows one such as C:/vagrant.
                collector.problem("vm", "The shared folder guest path must be absolute: \(folder.guestPath)", at: folder.location)
            } else if !usedGuestPaths.insert(folder.guestPath).inserted {
                collector.problem(
                    "vm",
                    "A shared folder guest path is used multiple times. Shared folders must all map to a unique guest path: \(folder.guestPath)",
                    at: folder.location)
            }
            let nfs = folder.options["type"]?.string == "nfs" || folder.options["nfs"]?.bool == true
            if nfs, !ProvisionerChecks.isSet(folder.options["nfs__quiet"]),
                ProvisionerChecks.isSet(folder.options["owner"]) || ProvisionerChecks.isSet(folder.options["group"])
            {
                collector.problem(
                    "vm", "Shared folders that have NFS enabled do not support owner/group attributes. Host path: \(folder.hostPath)",
                    at: folder.location)
            }
            if folder.options["create"]?.bool != true, !paths.isFolder(folder.hostPath) {
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
    static func provisioners(_ drafts: [MachineDraft.ProvisionerEntry]) -> [Provisioner] {
        drafts.map { entry -> Provisioner in
            var options = entry.options
            // As in Vagrant, any value other than always or never means once.
            let written = options.removeValue(forKey: "run")?.string ?? "once"
            let run = ["always", "never"].contains(written) ? written : "once"
            return Provisioner(name: entry.name, type: entry.type, run: run, options: options)
        }
    }

    /// `config.ssh`: the settings boxer uses, the rest kept as they were given.
    static func sshSettings(_ draft: [String: ConfigValue]) -> SSHSettings {
        var ssh = draft
        // `config.ssh.default.*` fills in what `config.ssh` leaves unset.
        if case .object(let defaults)? = ssh.removeValue(forKey: "default") {
            ssh.merge(defaults) { own, _ in own }
        }
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

    /// A network of a known type; the problems of its values were reported with the others.
    static func network(_ entry: MachineDraft.NetworkEntry, collector: ConfigurationCollector) -> Network? {
        var options = entry.options
        options.removeValue(forKey: "id")
        options.removeValue(forKey: "disabled")
        switch entry.type {
        case "forwarded_port":
            guard let guest = options.removeValue(forKey: "guest").map(rubyInteger),
                let host = options.removeValue(forKey: "host").map(rubyInteger)
            else {
                return nil
            }
            let proto = options["protocol"]?.string ?? "tcp"
            if proto != "tcp" && proto != "udp" {
                // Vagrant leaves this to the provider, which fails when the machine starts.
                collector.startProblem(
                    "protocol: \"\(proto)\" of the forwarded port \(guest) => \(host) is not tcp or udp", at: entry.location)
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
            // An address that is not one is the provider's to refuse at `up` (boxer's environment network does).
            return .privateNetwork(
                PrivateNetwork(
                    id: entry.id, ip: ip, dhcp: dhcp, netmask: options["netmask"]?.string, intnet: options["virtualbox__intnet"],
                    options: options, location: entry.location))
        case "public_network":
            return .publicNetwork(PublicNetwork(id: entry.id, ip: options["ip"]?.string, bridge: options["bridge"], options: options))
        default:
            collector.problem("vm", "Network type '\(entry.type)' is invalid. Please use a valid network type.", at: entry.location)
            return nil
        }
    }

    /// Ruby's `to_i`, which Vagrant applies to ports: a number as it is, a text's leading digits
    /// (after spaces and a sign; `_` between digits), 0 when there are none.
    static func rubyInteger(_ value: ConfigValue) -> Int {
        switch value {
        case .int(let number): return number
        case .double(let number) where number.isFinite && abs(number) < 9e18: return Int(number)
        case .string(let text):
            var rest = Substring(text).drop(while: \.isWhitespace)
            let negative = rest.first == "-"
            if rest.first == "-" || rest.first == "+" { rest = rest.dropFirst() }
            var digits = ""
            for character in rest {
                if character.isASCII, character.isNumber {
                    digits.append(character)
                } else if character == "_", !digits.isEmpty {
                    continue
                } else {
                    break
                }
            }
            let number = Int(digits.prefix(18)) ?? 0
            return negative ? -number : number
        default: return 0
        }
    }
}
