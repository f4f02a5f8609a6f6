import BoxStore
import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// One project's machines and what can be done to them: the lifecycle behind `up`, `halt`,
/// `destroy`, `status`, `provision`, `ssh`. Holds no state of its own beyond the configuration;
/// each machine's state is in its folder and with its hypervisor.
public struct MachineEnvironment: Sendable {
    public let environment: VagrantEnvironment
    public let home: BoxerHome
    public let providers: [String: any Provider]
    /// The provider a machine that is not created yet gets (`--provider`, the defaults).
    public let defaultProvider: @Sendable (Machine) -> String
    /// What the machines say, each message targeted at its machine (`==> web: Booting...`).
    public let output: Output
    /// The `boxer` executable, which runs environment network switches; nil: machines get no
    /// internal network (NIC2).
    public let switchExecutable: String?
    let ports: PortAllocator
    let index: MachineIndex
    /// Joining the environment network is one step at a time within this process (the first
    /// machine starts the switch; the others must not race it). Other processes are kept out by
    /// the environment lock.
    let networkLock = AsyncLock()
    /// Asked before a machine is created: nil lets it be, else the reason it cannot run here
    /// (provider, guest architecture). `boxer up` answers from the capability data.
    public var admission: (@Sendable (_ provider: String, _ guestArchitecture: String) -> String?)?

    public init(environment: VagrantEnvironment, home: BoxerHome, providers: [any Provider], defaultProvider: @escaping @Sendable (Machine) -> String, output: Output, switchExecutable: String? = nil) {
        self.switchExecutable = switchExecutable
        self.environment = environment
        self.home = home
        self.providers = Dictionary(providers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaultProvider = defaultProvider
        self.output = output
        self.ports = PortAllocator(home: home)
        self.index = MachineIndex(home: home)
    }

    // MARK: Machines and their providers

    /// The machines named (all when none), or an error naming the unknown one.
    public func machines(_ names: [String], onlyAutostart: Bool = false) throws(MachineError) -> [Machine] {
        if names.isEmpty {
            return environment.machines.filter { !onlyAutostart || $0.autostart }
        }
        var selected: [Machine] = []
        for name in names {
            guard let machine = environment.machine(named: name) else {
                throw MachineError(.configuration, "The machine '\(name)' is not defined in \(environment.vagrantfile ?? "the Vagrantfile"). Machines: \(environment.machines.map(\.name).joined(separator: ", ")).")
            }
            selected.append(machine)
        }
        return selected
    }

    /// The provider a machine runs with: the one it was created with, if any, else the default.
    public func providerName(for machine: Machine) -> String {
        let machinesFolder = environment.root + "/.vagrant/machines/" + machine.name
        // Any `id` entry counts, a damaged one too: its machine is not "not created".
        for name in HostFiles.entries(of: machinesFolder) where MachineIDForm.isRecorded(machinesFolder + "/" + name + "/id") {
            return name
        }
        return defaultProvider(machine)
    }

    public func context(for machine: Machine) throws(MachineError) -> (any Provider, MachineContext) {
        let name = providerName(for: machine)
        guard let provider = providers[name] else {
            throw MachineError(.configuration, "The provider '\(name)' for machine '\(machine.name)' is not available. Providers: \(providers.keys.sorted().joined(separator: ", ")).")
        }
        let resolved = machine.resolved(for: name)
        let folder = MachineFolder(projectRoot: environment.root, machineName: machine.name, provider: name)
        _ = try verifiedID(folder, provider: provider)
        return (provider, MachineContext(machine: resolved, folder: folder, box: recordedBox(folder) ?? findBox(for: resolved, provider: provider)))
    }

    /// The installed box a machine uses, as Vagrant picks it.
    public func findBox(for machine: Machine, provider: any Provider) -> BoxMatch? {
        guard let name = machine.box, !name.isEmpty else { return nil }
        let architecture = machine.boxArchitecture.flatMap { $0 == "auto" || $0.isEmpty ? nil : $0 } ?? HostArchitecture.current()
        return BoxStore.find(in: home, name: name, versionRequirement: machine.boxVersion, providers: provider.boxFormats, architecture: architecture)
    }

    /// The box a created machine was made from (`box_meta`), while it is still installed.
    func recordedBox(_ folder: MachineFolder) -> BoxMatch? {
        guard folder.id != nil, let text = folder.read("box_meta"),
              let meta = try? JSONDecoder().decode(BoxMeta.self, from: Data(text.utf8)),
              let directory = meta.directory, HostFiles.kind(of: directory + "/metadata.json") == .regular else { return nil }
        return BoxMatch(name: meta.name, version: meta.version, architecture: meta.architecture, provider: meta.provider, path: directory)
    }

    struct BoxMeta: Codable {
        var name: String
        var version: String
        var provider: String
        var architecture: String?
        var directory: String?
    }

    /// The machine's provider and state; an error when its recorded state cannot be trusted
    /// (a damaged id), which is never taken for "not created".
    public func state(of machine: Machine) async throws(MachineError) -> (provider: String, state: MachineState) {
        let (provider, context) = try context(for: machine)
        return (provider.name, await provider.state(context))
    }

    // MARK: up

    public struct UpOptions: Sendable {
        /// nil: provision on first boot only (and `run: "always"` provisioners every time).
        public var provision: Bool?
        public var provisionWith: [String]
        public var parallel: Bool

        public init(provision: Bool? = nil, provisionWith: [String] = [], parallel: Bool = true) {
            self.provision = provision
            self.provisionWith = provisionWith
            self.parallel = parallel
        }
    }

    /// Brings machines up, in parallel unless told not to. Every machine is tried; the errors
    /// of those that failed are thrown together at the end.
    public func up(_ names: [String], options: UpOptions) async throws(MachineError) {
        let selected = try machines(names, onlyAutostart: names.isEmpty)
        try await forEach(selected, action: "up", parallel: options.parallel) { machine throws(MachineError) in
            try await up(machine, options: options)
        }
    }

    func up(_ machine: Machine, options: UpOptions) async throws(MachineError) {
        // Static addresses are checked before anything is created or started.
        let plan = try staticAddresses()
        if let network, let required = plan.subnet {
            do throws(NetworkError) { try network.registry.check(for: environment.root, requiring: required) } catch {
                let place = plan.addresses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                throw MachineError(.configuration, "The static addresses of \(environment.vagrantfile ?? "the Vagrantfile") (\(place)) cannot be used: \(error.message)")
            }
        }
        let (provider, initial) = try context(for: machine)
        var context = initial
        let name = machine.name
        try PortAllocator.checkForwards(context.machine)
        try provider.checkUsable()
        var state = await provider.state(context)
        var firstBoot = false
        var bootedAt: Date?
        if state == .notCreated, let admission {
            let guest = context.box?.architecture ?? context.machine.boxArchitecture.flatMap { $0 == "auto" || $0.isEmpty ? nil : $0 } ?? HostArchitecture.current()
            if let reason = admission(provider.name, guest) {
                throw MachineError(.provider, "The machine '\(name)' cannot run here with \(provider.name): \(reason)")
            }
        }
        switch state {
        case .running:
            if context.folder.read("action_provision") != nil {
                output.targeting(name).say("Machine already provisioned. Run `boxer provision` or use the `--provision`\nflag to force provisioning. Provisioners marked to run always will still run.")
            } else {
                output.targeting(name).say("Machine already running.")
            }
        case .paused:
            output.targeting(name).say("Resuming suspended VM...")
            try await provider.resume(context)
            state = .running
        case .notCreated, .poweroff, .aborted:
            if state == .notCreated {
                context = try await create(machine: context.machine, provider: provider, context: context)
                firstBoot = true
            } else if state == .aborted {
                output.targeting(name).say("The machine's QEMU had stopped without being halted; starting it again.")
            }
            bootedAt = Date()
            try await boot(provider: provider, context: &context, plan: plan)
        }
        if context.internalNetwork == nil, let id = context.folder.id {
            // Already running: the network may have lost its switch (killed); starting it again
            // heals every machine's NIC2, since QEMU keeps sending to the same socket path.
            if provider.attachesToUserspaceSwitch, let network, let subnet = network.subnet, network.switchPID(subnet) == nil {
                output.targeting(name).say("The environment network's switch (192.168.\(subnet).0/24) was not running; starting it again. Machines keep their addresses.")
            }
            context.internalNetwork = try await joinNetwork(provider: provider, machine: context.machine, id: id, plan: plan)
        }
        try await connectAndPrepare(provider: provider, context: context, bootedAt: bootedAt, firstBoot: firstBoot, staticAddress: plan.addresses[name])
        try await updateIndex(context, provider: provider, state: .running)
        let provisionAll = options.provision ?? (firstBoot || context.folder.read("action_provision") == nil)
        try await runProvisioners(context, provider: provider, all: provisionAll, only: options.provisionWith, skipAll: options.provision == false)
    }

    func create(machine: Machine, provider: any Provider, context: MachineContext) async throws(MachineError) -> MachineContext {
        let name = machine.name
        guard let boxName = machine.box, !boxName.isEmpty else {
            throw MachineError(.configuration, "The machine '\(name)' has no box: set config.vm.box in \(environment.vagrantfile ?? "the Vagrantfile").")
        }
        guard let box = context.box else {
            let add = machine.boxURL.first.map { "boxer box add \(boxName) \($0)" } ?? "boxer box add \(boxName) <file or URL of the .box>"
            let installed = (try? BoxStore(home: home).list().filter { $0.name == boxName }) ?? []
            if !installed.isEmpty {
                throw MachineError(.boxMissing, "The box '\(boxName)' is installed, but not in a form the \(provider.name) provider runs (box formats \(provider.boxFormats.joined(separator: ", ")), architecture \(machine.boxArchitecture.flatMap { $0 == "auto" ? nil : $0 } ?? HostArchitecture.current())\(machine.boxVersion.map { ", version \($0)" } ?? "")). Installed: \(installed.map { "\($0.provider) \($0.version)\($0.architecture.map { " \($0)" } ?? "")" }.joined(separator: "; ")). Add the right one:\n    \(add) --provider \(provider.boxFormats[0])")
            }
            throw MachineError(.boxMissing, "The box '\(boxName)'\(machine.boxVersion.map { " (\($0))" } ?? "") is not installed for the \(provider.name) provider (box formats \(provider.boxFormats.joined(separator: ", ")), architecture \(machine.boxArchitecture.flatMap { $0 == "auto" ? nil : $0 } ?? HostArchitecture.current())). Add it first:\n    \(add)")
        }
        output.targeting(name).say("Creating the machine from box '\(box.name)' (v\(box.version), \(box.provider))...")
        var created = context
        // The index entry comes first: killed at any point from here on, the machine is either
        // in the global index (an entry `global-status --prune` drops while it has no id) or
        // fully recorded, never created and unlisted.
        let uuid = created.folder.indexUUID ?? UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try created.folder.write("index_uuid", uuid)
        created.box = box
        try await updateIndex(created, provider: provider, state: .notCreated)
        CrashPoint.reach("create-indexed")
        let id: String
        do {
            id = try await provider.create(created)
        } catch {
            // Nothing was created: the entry goes again (a kill here leaves it to --prune).
            try? index.remove(uuid)
            throw error
        }
        try created.folder.write("id", id)
        CrashPoint.reach("create-id-written")
        try created.folder.write("creator_uid", String(getuid()))
        try created.folder.write("vagrant_cwd", environment.root)
        let meta = BoxMeta(name: box.name, version: box.version, provider: box.provider, architecture: box.architecture, directory: box.path)
        try created.folder.write("box_meta", String(decoding: (try? JSONEncoder().encode(meta)) ?? Data(), as: UTF8.self))
        try await updateIndex(created, provider: provider, state: .poweroff)
        return created
    }

    func boot(provider: any Provider, context: inout MachineContext, plan: StaticAddresses) async throws(MachineError) {
        let name = context.machine.name
        let publicKey = try await MachineKeys.ensure(in: context.folder)
        guard let id = context.folder.id else { throw MachineError(.provider, "machine '\(name)' has no id") }
        // The NoCloud seed gives cloud-init guests their hostname, user and the machine's key
        // before SSH comes up. `cloud_init = false` in the provider block leaves it out (boxes
        // that must not see one); such a machine is let in with Vagrant's insecure key, which
        // is then replaced.
        let seedPath = context.folder.file("seed.iso")
        let providerSettings = context.machine.providers[context.folder.provider]?.values ?? [:]
        if providerSettings["cloud_init"]?.bool ?? true {
            let seed = NoCloudSeed(
                instanceID: id, hostname: context.machine.hostname ?? name,
                user: context.machine.ssh.username ?? "vagrant", authorizedKeys: [publicKey])
            try seed.write(to: seedPath)
            context.seed = seedPath
        } else {
            context.folder.remove("seed.iso")
            context.seed = nil
        }
        context.shares = shares(for: context, provider: provider)
        if let attachment = try await joinNetwork(provider: provider, machine: context.machine, id: id, plan: plan) {
            context.internalNetwork = attachment
            output.targeting(name).detail("Internal network: 192.168.\(attachment.subnet).0/24 (NIC2 \(attachment.mac), DHCP from 192.168.\(attachment.subnet).1)")
        }
        let machine = context.machine
        let base = context
        do {
            context = try await ports.withPorts(for: machine) { forwards in
                var started = base
                started.forwards = forwards
                for forward in forwards {
                    self.output.targeting(name).say("Forwarding port \(forward.guest) (guest) => \(forward.host) (host, \(forward.hostIP))\(forward.id == "ssh" ? " [ssh]" : "")")
                }
                self.output.targeting(name).say("Booting VM...")
                try await provider.start(started)
                return started
            }
        } catch let error as MachineError {
            throw error
        } catch {
            throw MachineError(.provider, "machine '\(name)' did not start: \(error)")
        }
    }

    /// Waits for SSH, replaces the insecure key with the machine's own, syncs folders.
    func connectAndPrepare(provider: any Provider, context: MachineContext, bootedAt: Date? = nil, firstBoot: Bool = false, staticAddress: String? = nil) async throws(MachineError) {
        let name = context.machine.name
        guard let endpoint = provider.sshEndpoint(context) else {
            throw MachineError(.communicator, "machine '\(name)' has no SSH port forward")
        }
        output.targeting(name).say("Waiting for machine to boot. This may take a few minutes...")
        output.targeting(name).detail("SSH address: \(endpoint.host):\(endpoint.port)")
        let communicator = try communicator(for: context, endpoint: endpoint)
        let started = Date()
        let stillRunning: @Sendable () async -> Bool = { await provider.state(context) == .running }
        let ownKey = try await communicator.waitUntilReady(timeout: Double(context.machine.bootTimeout), stillRunning: stillRunning) {
            provider.consoleTail(context, lines: 15)
        }
        output.targeting(name).say("Machine booted and ready! (SSH after \(String(format: "%.1f", Date().timeIntervalSince(started))) s)")
        // Vagrant inserts a key only when the user named none of their own.
        if context.machine.ssh.insertKey && context.machine.ssh.privateKeyPath.isEmpty && !ownKey {
            try await insertMachineKey(context, endpoint: endpoint)
        } else if context.machine.ssh.insertKey && context.machine.ssh.privateKeyPath.isEmpty && firstBoot {
            // The seed let the machine's own key in, but a box may also carry Vagrant's insecure
            // key (boxes from `boxer build` and Packer do): it goes, as Vagrant's replacement does.
            let own = Communicator(endpoint: endpoint, user: context.machine.ssh.username ?? "vagrant", identities: [context.folder.privateKey])
            let material = VagrantInsecureKey.publicKey.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            let removed = try await own.capture("f=~/.ssh/authorized_keys; if [ -f \"$f\" ] && grep -qF \(Communicator.quote(material)) \"$f\"; then grep -vF \(Communicator.quote(material)) \"$f\" > \"$f.boxer\"; chmod 600 \"$f.boxer\"; mv \"$f.boxer\" \"$f\"; echo removed; fi")
            if removed.output.contains("removed") {
                output.targeting(name).detail("Vagrant insecure key removed from the box's authorized keys.")
            }
        }
        if let attachment = context.internalNetwork {
            try await configureInternalNIC(context, attachment: attachment, bootedAt: bootedAt, staticAddress: staticAddress, communicator: try self.communicator(for: context, endpoint: endpoint))
        }
        try await syncFolders(context, communicator: try self.communicator(for: context, endpoint: endpoint))
    }

    /// Makes sure the guest's NIC2 has its address on the environment network, as Vagrant
    /// configures private networks after boot: a box that already asks for it by DHCP (the
    /// test boxes, a cloud image with a catch-all network config) is left alone; otherwise the
    /// NIC is brought up and asked by the guest's DHCP client (dhclient, udhcpc or dhcpcd; the
    /// switch answers with the machine's static address if it has one), and a static address
    /// is set by hand as the last resort. Done on every `up`; a failure is a warning, since
    /// NIC1 and SSH work without it.
    func configureInternalNIC(_ context: MachineContext, attachment: InternalNetworkAttachment, bootedAt: Date?, staticAddress: String?, communicator: Communicator) async throws(MachineError) {
        let name = context.machine.name
        // The guest asked the switch for its address during this boot: nothing to do in it.
        if let bootedAt, let lease = network?.lease(subnet: attachment.subnet, mac: attachment.mac), let granted = lease.granted, granted >= bootedAt {
            output.targeting(name).detail("NIC2 \(lease.address) on 192.168.\(attachment.subnet).0/24")
            return
        }
        let script = """
            mac=\(attachment.mac); prefix=192.168.\(attachment.subnet).; static=\(staticAddress ?? "")
            dev=; for d in /sys/class/net/*; do [ "$(cat "$d/address" 2>/dev/null)" = "$mac" ] && dev=${d##*/}; done
            [ -n "$dev" ] || { echo "no network interface has the MAC address $mac" >&2; exit 3; }
            has() { ip -4 -o addr show dev "$dev" 2>/dev/null | grep -q "inet $prefix"; }
            ip link set "$dev" up
            i=0; while [ $i -lt 6 ] && ! has; do sleep 1; i=$((i+1)); done
            if ! has; then
              if command -v dhclient >/dev/null 2>&1; then timeout 20 dhclient -1 "$dev" >/dev/null 2>&1
              elif command -v udhcpc >/dev/null 2>&1; then udhcpc -i "$dev" -n -q -t 5 >/dev/null 2>&1
              elif command -v dhcpcd >/dev/null 2>&1; then timeout 20 dhcpcd -1 -4 "$dev" >/dev/null 2>&1
              fi
            fi
            if ! has && [ -n "$static" ]; then ip addr add "$static/24" dev "$dev"; fi
            has || { echo "$dev has no address in ${prefix}0/24" >&2; exit 4; }
            ip -4 -o addr show dev "$dev" | sed -n "s/.*inet \\($prefix[0-9]*\\).*/\\1/p" | head -n 1
            """
        let result = try await communicator.capture("sudo sh -c \(Communicator.quote(script))")
        if result.succeeded {
            output.targeting(name).detail("NIC2 \(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) on 192.168.\(attachment.subnet).0/24")
        } else {
            output.targeting(name).warn("The guest's second NIC (\(attachment.mac)) has no address on 192.168.\(attachment.subnet).0/24: \(result.error.trimmingCharacters(in: .whitespacesAndNewlines)). The machine runs, but cannot reach the environment's other machines; its box needs a DHCP client (dhclient, udhcpc or dhcpcd) or the `ip` command.")
        }
    }

    /// If the machine let us in only with Vagrant's insecure key, its authorized_keys becomes
    /// the machine's own key, and the insecure key stops working for it (as in Vagrant).
    func insertMachineKey(_ context: MachineContext, endpoint: SSHEndpoint) async throws(MachineError) {
        let user = context.machine.ssh.username ?? "vagrant"
        let own = Communicator(endpoint: endpoint, user: user, identities: [context.folder.privateKey])
        output.targeting(context.machine.name).detail("Vagrant insecure key detected. Replacing it with a newly generated keypair...")
        let publicKey = try await MachineKeys.ensure(in: context.folder)
        let insecure = Communicator(endpoint: endpoint, user: user, identities: [try MachineKeys.insecurePrivateKey(home: home)])
        let script = "mkdir -p ~/.ssh && chmod 700 ~/.ssh && printf '%s\\n' \(Communicator.quote(publicKey)) > ~/.ssh/authorized_keys.boxer && chmod 600 ~/.ssh/authorized_keys.boxer && mv ~/.ssh/authorized_keys.boxer ~/.ssh/authorized_keys"
        let result = try await insecure.capture(script)
        guard result.succeeded, await own.isReady() else {
            throw MachineError(.communicator, "could not replace the insecure key in machine '\(context.machine.name)': \(result.error)")
        }
    }

    public func communicator(for context: MachineContext, endpoint: SSHEndpoint) throws(MachineError) -> Communicator {
        try MachineKeys.check(context.folder)
        var identities = [context.folder.privateKey]
        identities += context.machine.ssh.privateKeyPath.map { HostFiles.absolute(($0 as NSString).expandingTildeInPath, relativeTo: environment.root) }
        identities.append(try MachineKeys.insecurePrivateKey(home: home))
        return Communicator(endpoint: endpoint, user: context.machine.ssh.username ?? "vagrant", identities: identities, forwardAgent: context.machine.ssh.forwardAgent)
    }

    public func communicator(for machine: Machine) async throws(MachineError) -> (Communicator, MachineContext) {
        let (provider, context) = try context(for: machine)
        guard await provider.state(context) == .running, let endpoint = provider.sshEndpoint(context) else {
            throw MachineError(.communicator, "The machine '\(machine.name)' is not running. Run `boxer up \(machine.name)` first.")
        }
        return (try communicator(for: context, endpoint: endpoint), context)
    }

    // MARK: Synced folders

    func providerMount(_ context: MachineContext, _ share: SharedFolder) -> String {
        providers[context.folder.provider]?.mountCommand(for: share) ?? "false"
    }

    /// The synced folders the hypervisor shares itself, with a tag each (9p tags are at most
    /// 31 bytes).
    func shares(for context: MachineContext, provider: any Provider) -> [SharedFolder] {
        context.machine.syncedFolders.enumerated().compactMap { index, folder in
            guard !folder.disabled, let type = folder.type, provider.sharedFolderTypes.contains(type) else { return nil }
            let mode = folder.options["accessmode"]?.string.map { $0 == "mapped" ? "mapped-xattr" : $0 } ?? "mapped-xattr"
            return SharedFolder(tag: "boxer\(index)", hostPath: HostFiles.absolute(folder.hostPath, relativeTo: environment.root), guestPath: folder.guestPath, accessMode: mode)
        }
    }

    func syncFolders(_ context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let name = context.machine.name
        for share in context.shares {
            let mounted = try await communicator.capture("sudo sh -c \(Communicator.quote(providerMount(context, share)))")
            if mounted.succeeded {
                output.targeting(name).say("Mounting shared folder: \(share.hostPath) => \(share.guestPath) (9p)")
            } else {
                output.targeting(name).warn("The guest could not mount \(share.hostPath) at \(share.guestPath) over 9p (\(mounted.error.trimmingCharacters(in: .whitespacesAndNewlines))); its kernel may lack the 9p and 9pnet_virtio modules. The folder is not shared; use type: \"rsync\" for this box.")
            }
        }
        let hypervisorTypes = providers[context.folder.provider]?.sharedFolderTypes ?? []
        for folder in context.machine.syncedFolders where !folder.disabled {
            let type = folder.type ?? "rsync"
            // Shared by the hypervisor: mounted above at boot (and still mounted on a later `up`).
            if hypervisorTypes.contains(type) { continue }
            guard type == "rsync" else {
                output.targeting(name).warn("Synced folder \(folder.hostPath) => \(folder.guestPath) has type '\(type)', which the \(context.folder.provider) provider does not do; it is skipped. Use type: \"rsync\".")
                continue
            }
            guard let rsync = Programs.find("rsync") else {
                output.targeting(name).warn("rsync is not installed on this host, so \(folder.hostPath) is not synced to \(folder.guestPath) (Debian: apt-get install rsync).")
                continue
            }
            let check = try await communicator.capture("command -v rsync")
            guard check.succeeded else {
                output.targeting(name).warn("The guest has no rsync, so \(folder.hostPath) is not synced to \(folder.guestPath). Install rsync in the box, or disable the folder with `disabled: true`.")
                continue
            }
            let source = HostFiles.absolute(folder.hostPath, relativeTo: environment.root)
            output.targeting(name).say("Rsyncing folder: \(source)/ => \(folder.guestPath)")
            _ = try await communicator.capture("sudo mkdir -p \(Communicator.quote(folder.guestPath)) && sudo chown \(communicator.user) \(Communicator.quote(folder.guestPath))")
            let ssh = ([Communicator.ssh] + communicator.sshArguments().dropLast()).map(Communicator.quote).joined(separator: " ")
            let arguments = ["--archive", "--delete", "--compress", "--copy-links", "--exclude", ".vagrant/", "-e", ssh, source + "/", "\(communicator.user)@\(communicator.endpoint.host):\(folder.guestPath)"]
            var result = try await Programs.run(rsync, arguments)
            // 255: the SSH connection dropped. A guest that has just booted may still be
            // restarting its SSH server (cloud-init does, after writing host keys); try again.
            for _ in 0..<4 where result.status == 255 {
                try? await Task.sleep(for: .seconds(2))
                result = try await Programs.run(rsync, arguments)
            }
            guard result.succeeded else {
                throw MachineError(.communicator, "rsync of \(source) to \(folder.guestPath) failed: \(result.error.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        }
    }

    // MARK: Provisioning

    public func provision(_ names: [String], only: [String]) async throws(MachineError) {
        let selected = try machines(names)
        try await forEach(selected, action: "provision", parallel: true) { machine throws(MachineError) in
            let (communicator, context) = try await communicator(for: machine)
            _ = communicator
            let (provider, _) = try self.context(for: machine)
            try await runProvisioners(context, provider: provider, all: true, only: only, skipAll: false)
        }
    }

    func runProvisioners(_ context: MachineContext, provider: any Provider, all: Bool, only: [String], skipAll: Bool) async throws(MachineError) {
        guard !skipAll else { return }
        let name = context.machine.name
        guard let endpoint = provider.sshEndpoint(context) else { return }
        let communicator = try communicator(for: context, endpoint: endpoint)
        var ran = false
        for provisioner in context.machine.provisioners {
            let label = provisioner.name ?? provisioner.type
            if !only.isEmpty {
                guard only.contains(label) || only.contains(provisioner.type) else { continue }
            } else {
                switch provisioner.run {
                case "never": continue
                case "always": break
                default: if !all { continue }
                }
            }
            output.targeting(name).say("Running provisioner: \(label) (\(provisioner.type))...")
            switch provisioner.type {
            case "shell": try await runShell(provisioner, context: context, communicator: communicator)
            case "file": try await runFile(provisioner, context: context, communicator: communicator)
            default:
                output.targeting(name).warn("The '\(provisioner.type)' provisioner is not supported by boxer; skipped.")
            }
            ran = true
        }
        if all || ran, let id = context.folder.id {
            try context.folder.write("action_provision", "1.5:\(id)")
        }
    }

    func runShell(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        let name = context.machine.name
        let script: String
        if let inline = provisioner.inline {
            script = inline
        } else if let path = provisioner.path {
            let file = HostFiles.absolute(path, relativeTo: environment.root)
            guard let text = try? HostFiles.readText(at: file, limit: 16 << 20) else {
                throw MachineError(.provisioner, "The shell provisioner's script \(file) cannot be read (path: \"\(path)\").")
            }
            script = text
        } else {
            throw MachineError(.provisioner, "A shell provisioner of machine '\(name)' has neither inline nor path.")
        }
        let upload = provisioner.options["upload_path"]?.string ?? "/tmp/vagrant-shell"
        // In the machine's own folder, under one name: a kill -9 leaves nothing in $TMPDIR, and
        // what it leaves goes with the machine's folder.
        let local = context.folder.file("provision-script")
        try context.folder.write("provision-script", script)
        CrashPoint.reach("provision-script-written")
        defer { context.folder.remove("provision-script") }
        try await communicator.upload(local, to: upload)
        let environment = provisioner.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Communicator.quote($0.value))" }.joined(separator: " ")
        // Vagrant passes an `args` string to the script as written (the shell splits it) and an
        // array as one argument per item.
        let arguments: String
        if case .string(let raw)? = provisioner.options["args"] {
            arguments = raw
        } else {
            arguments = provisioner.arguments.map(Communicator.quote).joined(separator: " ")
        }
        let uploaded = Communicator.quote(upload)
        var command = "chmod +x \(uploaded) && "
        command += provisioner.privileged ? "sudo -E env \(environment) \(uploaded) \(arguments)" : "env \(environment) \(uploaded) \(arguments)"
        let output = self.output
        let status = try await communicator.run(command) { line, isError in
            if isError { output.targeting(name).warn(line) } else { output.targeting(name).detail(line) }
        }
        guard status == 0 else {
            throw MachineError(.provisioner, "The shell provisioner\(provisioner.name.map { " '\($0)'" } ?? "") of machine '\(name)' exited with status \(status). The output above shows why.")
        }
    }

    func runFile(_ provisioner: Provisioner, context: MachineContext, communicator: Communicator) async throws(MachineError) {
        guard let source = provisioner.source, let destination = provisioner.destination else {
            throw MachineError(.provisioner, "A file provisioner of machine '\(context.machine.name)' needs source and destination.")
        }
        let local = HostFiles.absolute((source as NSString).expandingTildeInPath, relativeTo: environment.root)
        guard HostFiles.exists(local) else {
            throw MachineError(.provisioner, "The file provisioner's source \(local) does not exist.")
        }
        try await communicator.upload(local, to: destination)
    }

    // MARK: suspend, resume, halt, destroy

    /// Pauses running machines (their memory kept).
    public func suspend(_ names: [String]) async throws(MachineError) {
        try await forEach(try machines(names), action: "suspend", parallel: true) { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            guard await provider.state(context) == .running else { return }
            output.targeting(machine.name).say("Saving VM state and suspending execution...")
            try await provider.suspend(context)
        }
    }

    /// Continues paused machines.
    public func resume(_ names: [String]) async throws(MachineError) {
        try await forEach(try machines(names), action: "resume", parallel: true) { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            guard await provider.state(context) == .paused else { return }
            output.targeting(machine.name).say("Resuming suspended VM...")
            try await provider.resume(context)
        }
    }

    public func halt(_ names: [String], force: Bool) async throws(MachineError) {
        let selected = try machines(names).reversed()
        try await forEach(Array(selected), action: "halt", parallel: true) { machine throws(MachineError) in
            let (provider, context) = try context(for: machine)
            let state = await provider.state(context)
            guard state == .running || state == .paused else {
                if state != .notCreated { output.targeting(machine.name).say("The machine is already halted.") }
                return
            }
            output.targeting(machine.name).say(force ? "Forcing shutdown of VM..." : "Attempting graceful shutdown of VM...")
            let timeout = machine.settings["graceful_halt_timeout"]?.int ?? 60
            try await provider.stop(context, force: force, timeout: Double(timeout))
            try await updateIndex(context, provider: provider, state: .poweroff)
        }
    }

    public func destroy(_ names: [String]) async throws(MachineError) {
        let selected = try machines(names).reversed()
        let usedProviders = Set(selected.map { providerName(for: $0) })
        try await forEach(Array(selected), action: "destroy", parallel: true) { machine throws(MachineError) in
            // A damaged id is an error here (context), never "not created".
            let (provider, context) = try context(for: machine)
            guard let id = context.folder.id else {
                output.targeting(machine.name).say("VM not created. Moving on...")
                return
            }
            if await provider.state(context) == .running { output.targeting(machine.name).say("Forcing shutdown of VM...") }
            output.targeting(machine.name).say("Destroying VM and associated drives...")
            try await provider.destroy(context)
            CrashPoint.reach("destroy-provider-done")
            if let uuid = context.folder.indexUUID { try index.remove(uuid) }
            if let network, let subnet = network.subnet {
                network.removePort(subnet: subnet, mac: provider.macAddress(forMachine: id, nic: 2))
            }
            context.folder.removeAll()
            CrashPoint.reach("destroy-folder-removed")
        }
        // The environment network goes with the environment's last machine. A machine whose id
        // file is there but damaged still counts: its network is not taken from under it.
        let remaining = environment.machines.contains { machine in
            MachineIDForm.isRecorded(folder(of: machine).file("id"))
        }
        if !remaining { await releaseNetwork(usedProviders: usedProviders) }
    }

    // MARK: Helpers

    func updateIndex(_ context: MachineContext, provider: any Provider, state: MachineState) async throws(MachineError) {
        guard let uuid = context.folder.indexUUID else { return }
        let box = context.box.map { MachineIndex.Entry.BoxReference(name: $0.name, provider: $0.provider, version: $0.version) }
        try index.set(uuid, MachineIndex.Entry(
            name: context.machine.name, provider: provider.name, architecture: context.box?.architecture, state: state.rawValue,
            vagrantfilePath: environment.root, localDataPath: environment.root + "/.vagrant", box: box))
    }

    /// Runs `body` for each machine, concurrently or in order, trying all of them; throws one
    /// error naming every machine that failed. Each machine's `action` is recorded for scripts
    /// as Vagrant does (`web,action,up,start` ... `web,action,up,end` when it succeeded).
    func forEach(_ machines: [Machine], action: String, parallel: Bool, _ work: @escaping @Sendable (Machine) async throws(MachineError) -> Void) async throws(MachineError) {
        let output = output
        let body: @Sendable (Machine) async throws(MachineError) -> Void = { machine throws(MachineError) in
            output.targeting(machine.name).record("action", action, "start")
            try await work(machine)
            output.targeting(machine.name).record("action", action, "end")
        }
        var failures: [(String, MachineError)] = []
        if parallel && machines.count > 1 {
            failures = await withTaskGroup(of: (String, MachineError)?.self) { group in
                for machine in machines {
                    group.addTask {
                        do throws(MachineError) { try await body(machine); return nil } catch { return (machine.name, error) }
                    }
                }
                var collected: [(String, MachineError)] = []
                for await failure in group { if let failure { collected.append(failure) } }
                return collected
            }
        } else {
            for machine in machines {
                do throws(MachineError) { try await body(machine) } catch { failures.append((machine.name, error)) }
            }
        }
        guard !failures.isEmpty else { return }
        if failures.count == 1, let only = failures.first {
            throw MachineError(only.1.kind, "\(only.0): \(only.1.message)")
        }
        throw MachineError(failures[0].1.kind, failures.map { "\($0.0): \($0.1.message)" }.joined(separator: "\n"))
    }
}
