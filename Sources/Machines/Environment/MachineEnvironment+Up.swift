import BoxStore
import BoxerSupport
import Foundation
import Networks
import Vagrantfile

/// `up`: create from the box, boot, wait for SSH, replace the insecure key, configure NIC2.
extension MachineEnvironment {
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
        let turns = ProvisionTurns(order: selected.map(\.name))
        let bringUp: @Sendable (Machine) async throws(MachineError) -> Void = { machine throws(MachineError) in
            try await up(machine, options: options, turns: turns)
            await updateHostsFilesAfter([machine])
        }
        try await forEach(selected, action: "up", parallel: options.parallel, finished: { await turns.finish($0.name) }, bringUp)
    }

    func up(_ machine: Machine, options: UpOptions, turns: ProvisionTurns? = nil) async throws(MachineError) {
        // Static addresses are checked before anything is created or started.
        let plan = try staticAddresses()
        if let network, let required = plan.subnet {
            do throws(NetworkError) { try network.registry.check(for: environment.root, requiring: required) } catch {
                let place = plan.addresses.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                throw MachineError.staticAddressesUnusable(in: environment.vagrantfile, place: place, error)
            }
        }
        let (provider, initial) = try context(for: machine)
        var context = initial
        let name = machine.name
        try PortAllocator.checkForwards(context.machine)
        try provider.checkUsable()
        var state = await provider.state(context)
        if state == .aborted { try await provider.checkReachable(context) }
        var firstBoot = false
        var bootedAt: Date?
        if state == .notCreated, let admission {
            let guest =
                context.box?.architecture ?? context.machine.boxArchitecture.flatMap { $0 == "auto" || $0.isEmpty ? nil : $0 }
                ?? HostArchitecture.current()
            if let reason = admission(provider.name, guest) {
                throw MachineError.cannotRunHere(name, provider: provider.name, reason: reason)
            }
        }
        switch state {
        case .running:
            if context.folder.read("action_provision") != nil {
                output.targeting(name).say(
                    "Machine already provisioned. Run `boxer provision` or use the `--provision`\nflag to force provisioning. Provisioners marked to run always will still run."
                )
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
                output.targeting(name).say("The machine had stopped without being halted; starting it again.")
            }
            await checkBoxUpdate(context)
            bootedAt = Date()
            try await boot(provider: provider, context: &context, plan: plan)
        }
        if context.internalNetwork == nil, let id = context.folder.id {
            // Already running: the network may have lost its switch (killed); starting it again
            // heals every machine's NIC2, since QEMU keeps sending to the same socket path.
            if provider.attachesToUserspaceSwitch, let network, let subnet = network.subnet, network.switchPID(subnet) == nil {
                output.targeting(name).say(
                    "The environment network's switch (\(subnet)) was not running; starting it again. Machines keep their addresses."
                )
            }
            context.internalNetwork = try await joinNetwork(provider: provider, machine: context.machine, id: id, plan: plan)
        }
        try await connectAndPrepare(
            provider: provider, context: context, bootedAt: bootedAt, firstBoot: firstBoot, staticAddress: plan.addresses[name])
        try await updateIndex(context, provider: provider, state: .running)
        await turns?.wait(for: name)
        let provisionAll = options.provision ?? (firstBoot || context.folder.read("action_provision") == nil)
        try await runProvisioners(
            context, provider: provider, all: provisionAll, only: options.provisionWith, skipAll: options.provision == false)
        sayPostUpMessage(context.machine)
    }

    func create(machine: Machine, provider: any Provider, context: MachineContext) async throws(MachineError) -> MachineContext {
        let name = machine.name
        guard let boxName = machine.box, !boxName.isEmpty else {
            throw MachineError.noBox(name, in: environment.vagrantfile)
        }
        let add = machine.boxURL.first.map { "boxer box add \(boxName) \($0)" } ?? "boxer box add \(boxName) <file or URL of the .box>"
        let architecture = machine.boxArchitecture.flatMap { $0 == "auto" ? nil : $0 } ?? HostArchitecture.current()
        let installed = (try? BoxStore(home: home).list().filter { $0.name == boxName }) ?? []
        let wrongForm = {
            MachineError.boxInWrongForm(
                boxName, provider: provider.name, formats: provider.boxFormats, architecture: architecture, version: machine.boxVersion,
                installed: installed, add: add)
        }
        var found = context.box
        if found == nil {
            do throws(MachineError) {
                found = try await installBox(for: machine, provider: provider)
            } catch {
                // Installed in other forms too: say so beside why the add failed.
                if !installed.isEmpty { throw MachineError.boxAddFailed(error, installedInWrongForm: wrongForm()) }
                throw error
            }
        }
        guard let box = found else {
            if !installed.isEmpty { throw wrongForm() }
            throw MachineError.boxNotInstalled(
                boxName, version: machine.boxVersion, provider: provider.name, formats: provider.boxFormats, architecture: architecture,
                add: add)
        }
        output.targeting(name).say("Creating the machine from box '\(box.name)' (v\(box.version), \(box.provider))...")
        var created = context
        // The index entry comes first: killed at any point from here on, the machine is either
        // in the global index (an entry `global-status --prune` drops while it has no id) or
        // fully recorded, never created and unlisted.
        let uuid = created.folder.indexUUID ?? UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        try created.folder.write("index_uuid", uuid)
        created.box = box
        // Known to the provider at create too: one that cannot share them refuses before it makes anything.
        created.shares = shares(for: created, provider: provider)
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
        let meta = BoxMeta(
            name: box.name, version: box.version, provider: box.provider, architecture: box.architecture, directory: box.path)
        try created.folder.write("box_meta", String(decoding: (try? JSONEncoder().encode(meta)) ?? Data(), as: UTF8.self))
        try await updateIndex(created, provider: provider, state: .poweroff)
        return created
    }

    func boot(provider: any Provider, context: inout MachineContext, plan: StaticAddresses) async throws(MachineError) {
        let name = context.machine.name
        let publicKey = try await MachineKeys.ensure(in: context.folder)
        guard let id = context.folder.id else { throw MachineError.noID(name) }
        // The NoCloud seed gives cloud-init guests their hostname, user and the machine's key
        // before SSH comes up. `cloud_init = false` in the provider block leaves it out (boxes
        // that must not see one); such a machine is let in with Vagrant's insecure key, which
        // is then replaced.
        let seedPath = context.folder.file("seed.iso")
        let providerSettings = context.machine.providers[context.folder.provider]?.values ?? [:]
        if providerSettings["cloud_init"]?.bool ?? true {
            var seed = NoCloudSeed(
                instanceID: id, hostname: context.machine.hostname ?? name,
                user: context.machine.ssh.username ?? "vagrant", authorizedKeys: [publicKey] + Self.extraAuthorizedKeys(context))
            seed.userParts = try cloudInitUserData(context.machine)
            if !seed.userParts.isEmpty { output.targeting(name).say("Preparing user data for cloud-init...") }
            try seed.write(to: seedPath)
            context.seed = seedPath
        } else {
            context.folder.remove("seed.iso")
            context.seed = nil
        }
        context.shares = shares(for: context, provider: provider)
        if let attachment = try await joinNetwork(provider: provider, machine: context.machine, id: id, plan: plan) {
            context.internalNetwork = attachment
            output.targeting(name).detail(
                "Internal network: \(attachment.subnet) (NIC2 \(attachment.mac), DHCP from \(attachment.subnet.gateway))")
        }
        let machine = context.machine
        let base = context
        do {
            context = try await ports.withPorts(for: machine) { forwards in
                var started = base
                started.forwards = forwards
                for forward in forwards {
                    self.output.targeting(name).say(
                        "Forwarding port \(forward.guest) (guest) => \(forward.host) (host, \(forward.hostIP))\(forward.id == "ssh" ? " [ssh]" : "")"
                    )
                }
                self.output.targeting(name).say("Booting VM...")
                try await provider.start(started)
                return started
            }
        } catch let error as MachineError {
            throw error
        } catch {
            throw MachineError.didNotStart(name, error)
        }
    }

    /// Waits for SSH, replaces the insecure key with the machine's own, syncs folders.
    func connectAndPrepare(
        provider: any Provider, context: MachineContext, bootedAt: Date? = nil, firstBoot: Bool = false, staticAddress: String? = nil
    ) async throws(MachineError) {
        let name = context.machine.name
        guard let endpoint = provider.sshEndpoint(context) else {
            throw MachineError.noSSHForward(name)
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
            let own = Communicator(
                endpoint: endpoint, user: context.machine.ssh.username ?? "vagrant", identities: [context.folder.privateKey])
            let material = VagrantInsecureKey.publicKey.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            let removed = try await own.capture(
                "f=~/.ssh/authorized_keys; if [ -f \"$f\" ] && grep -qF \(Communicator.quote(material)) \"$f\"; then grep -vF \(Communicator.quote(material)) \"$f\" > \"$f.boxer\"; chmod 600 \"$f.boxer\"; mv \"$f.boxer\" \"$f\"; echo removed; fi"
            )
            if removed.output.contains("removed") {
                output.targeting(name).detail("Vagrant insecure key removed from the box's authorized keys.")
            }
        }
        if let attachment = context.internalNetwork {
            try await configureInternalNIC(
                context, attachment: attachment, bootedAt: bootedAt, staticAddress: staticAddress,
                communicator: try self.communicator(for: context, endpoint: endpoint))
        }
        await setHostname(context, communicator: try self.communicator(for: context, endpoint: endpoint))
        if bootedAt != nil { await checkPrimaryGrowth(context, communicator: try self.communicator(for: context, endpoint: endpoint)) }
        try await syncFolders(context, communicator: try self.communicator(for: context, endpoint: endpoint))
    }

    /// Makes sure the guest's NIC2 has its address on the environment network, as Vagrant
    /// configures private networks after boot: a box that already asks for it by DHCP (the
    /// test boxes, a cloud image with a catch-all network config) is left alone; otherwise the
    /// NIC is brought up and asked by the guest's DHCP client (dhclient, udhcpc or dhcpcd; the
    /// switch answers with the machine's static address if it has one), and a static address
    /// is set by hand as the last resort. Done on every `up`; a failure is a warning, since
    /// NIC1 and SSH work without it.
    func configureInternalNIC(
        _ context: MachineContext, attachment: InternalNetworkAttachment, bootedAt: Date?, staticAddress: String?,
        communicator: Communicator
    ) async throws(MachineError) {
        let name = context.machine.name
        // The guest asked the switch for its address during this boot: nothing to do in it.
        if let bootedAt, let lease = network?.lease(subnet: attachment.subnet, mac: attachment.mac), let granted = lease.granted,
            granted >= bootedAt
        {
            output.targeting(name).detail("NIC2 \(lease.address) on \(attachment.subnet)")
            return
        }
        let script = """
            mac=\(attachment.mac); prefix=\(attachment.subnet.prefix); static=\(staticAddress ?? "")
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
            output.targeting(name).detail(
                "NIC2 \(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) on \(attachment.subnet)")
        } else {
            output.targeting(name).warn(
                "The guest's second NIC (\(attachment.mac)) has no address on \(attachment.subnet): \(result.error.trimmingCharacters(in: .whitespacesAndNewlines)). The machine runs, but cannot reach the environment's other machines; its box needs a DHCP client (dhclient, udhcpc or dhcpcd) or the `ip` command."
            )
        }
    }

    /// Public keys the SSH user accepts besides the machine's own: the provider block's
    /// `authorized_keys` (boxer's; `boxer node create --ssh-key` writes it), given through the
    /// seed and kept when the insecure key is replaced.
    static func extraAuthorizedKeys(_ context: MachineContext) -> [String] {
        switch context.machine.providers[context.folder.provider]?.values["authorized_keys"] {
        case .array(let keys)?: keys.compactMap(\.string).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        case .string(let key)?: [key.trimmingCharacters(in: .whitespacesAndNewlines)].filter { !$0.isEmpty }
        default: []
        }
    }

    /// If the machine let us in only with Vagrant's insecure key, its authorized_keys becomes
    /// the machine's own key (and the provider block's `authorized_keys`), and the insecure key
    /// stops working for it (as in Vagrant).
    func insertMachineKey(_ context: MachineContext, endpoint: SSHEndpoint) async throws(MachineError) {
        let user = context.machine.ssh.username ?? "vagrant"
        let own = Communicator(endpoint: endpoint, user: user, identities: [context.folder.privateKey])
        output.targeting(context.machine.name).detail("Vagrant insecure key detected. Replacing it with a newly generated keypair...")
        let publicKey = try await MachineKeys.ensure(in: context.folder)
        let insecure = Communicator(endpoint: endpoint, user: user, identities: [try MachineKeys.insecurePrivateKey(home: home)])
        let keys = ([publicKey] + Self.extraAuthorizedKeys(context)).map(Communicator.quote).joined(separator: " ")
        let script =
            "mkdir -p ~/.ssh && chmod 700 ~/.ssh && printf '%s\\n' \(keys) > ~/.ssh/authorized_keys.boxer && chmod 600 ~/.ssh/authorized_keys.boxer && mv ~/.ssh/authorized_keys.boxer ~/.ssh/authorized_keys"
        let result = try await insecure.capture(script)
        guard result.succeeded, await own.isReady() else {
            throw MachineError.insecureKeyNotReplaced(context.machine.name, result.error)
        }
    }

    public func communicator(for context: MachineContext, endpoint: SSHEndpoint) throws(MachineError) -> Communicator {
        try MachineKeys.check(context.folder)
        var identities = [context.folder.privateKey]
        identities += context.machine.ssh.privateKeyPath.map {
            HostFiles.absolute(($0 as NSString).expandingTildeInPath, relativeTo: environment.root)
        }
        identities.append(try MachineKeys.insecurePrivateKey(home: home))
        let ssh = context.machine.ssh
        // `config.ssh.host` / `port` replace the provider's answer, as in Vagrant.
        let reached = SSHEndpoint(host: ssh.host ?? endpoint.host, port: ssh.port ?? endpoint.port, proxy: endpoint.proxy)
        var communicator = Communicator(
            endpoint: reached, user: ssh.username ?? "vagrant", identities: identities, forwardAgent: ssh.forwardAgent)
        communicator.session.keysOnly = ssh.values["keys_only"]?.bool ?? true
        if let timeout = ssh.values["connect_timeout"]?.int, timeout > 1 { communicator.session.connectTimeout = timeout }
        switch ssh.values["forward_env"] {
        case .array(let names)?: communicator.session.forwardEnvironment = names.compactMap(\.string)
        case .string(let name)?: communicator.session.forwardEnvironment = [name]
        default: break
        }
        communicator.session.pty = ssh.values["pty"]?.bool ?? false
        if let sudo = ssh.values["sudo_command"]?.string, !sudo.isEmpty { communicator.session.sudoCommand = sudo }
        return communicator
    }

    public func communicator(for machine: Machine) async throws(MachineError) -> (Communicator, MachineContext) {
        let (provider, context) = try context(for: machine)
        guard await provider.state(context) == .running, let endpoint = provider.sshEndpoint(context) else {
            throw MachineError.notRunning(machine.name)
        }
        return (try communicator(for: context, endpoint: endpoint), context)
    }
}
