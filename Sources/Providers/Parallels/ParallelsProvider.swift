import BoxStore
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// The Parallels Desktop provider (`parallels` boxes, `box.pvm`), driven through `prlctl` and,
/// for networks, `prlsrvctl`, as vagrant-parallels drives them.
///
/// - create: the box's `box.pvm` is registered once per box as a master VM with a snapshot
///   (`register --preserve-uuid`, `snapshot --name`), each machine is a linked clone of that
///   snapshot in the machine's folder (`clone --linked --id --dst`), with memory, CPUs and a
///   serial port to `console.log` set.
/// - start: NIC1 on the Shared network with its port forwards (`prlsrvctl net set Shared
///   --nat-tcp-add`), NIC2 on the environment's host-only network, the NoCloud seed as a
///   CD-ROM image, the `customize` calls; then `prlctl start`.
/// - stop: `prlctl stop` (ACPI), then `stop --kill` once `timeout` passes.
/// - state: `prlctl list <uuid> --no-header -o status`; destroy: `prlctl delete` and the
///   machine's NAT rules.
public struct ParallelsProvider: Provider {
    public let name = "parallels"
    public let boxFormats = ["parallels"]
    public let attachesToUserspaceSwitch = false
    public let sharedFolderTypes: Set<String> = ["parallels"]
    public let prlctl: (any HypervisorTool)?
    public let prlsrvctl: (any HypervisorTool)?
    /// `prl_disk_tool`, which grows the primary disk (`config.vm.disk`).
    public let diskTool: (any HypervisorTool)?
    public let home: BoxerHome

    static let snapshotName = "boxer-base"
    /// Parallels' NAT network, whose rules forward host ports.
    static let sharedNetwork = "Shared"

    public init(
        home: BoxerHome, prlctl: (any HypervisorTool)? = InstalledTool.find("prlctl"),
        prlsrvctl: (any HypervisorTool)? = InstalledTool.find("prlsrvctl"),
        diskTool: (any HypervisorTool)? = InstalledTool.find("prl_disk_tool")
    ) {
        self.home = home
        self.prlctl = prlctl
        self.prlsrvctl = prlsrvctl
        self.diskTool = diskTool
    }

    public func mountCommand(for share: SharedFolder) -> String {
        "mkdir -p \(Communicator.quote(share.guestPath)) && mount -t prl_fs \(share.tag) \(Communicator.quote(share.guestPath))"
    }

    public func checkUsable() throws(MachineError) { _ = try tools() }

    func tools() throws(MachineError) -> (prlctl: any HypervisorTool, prlsrvctl: any HypervisorTool) {
        guard let prlctl, let prlsrvctl else {
            throw MachineError.prlctlMissing
        }
        return (prlctl, prlsrvctl)
    }

    func consolePath(_ context: MachineContext) -> String { context.folder.file("console.log") }

    // MARK: Create

    public func create(_ context: MachineContext) async throws(MachineError) -> String {
        let (prlctl, _) = try tools()
        let pvm = try context.boxFile("box.pvm", provider: name)
        try MachineRecords.makeFolder(context)
        let (master, snapshot) = try await ensureMaster(pvm, tool: prlctl)
        let vmName =
            context.settings(name)?.values["name"]?.string
            ?? "\(context.folder.projectRoot.split(separator: "/").last ?? "boxer")_\(context.machine.name)_\(Int(Date().timeIntervalSince1970 * 1000))"
        let destination = context.folder.file("vm")
        try? FileManager.default.createDirectory(atPath: destination, withIntermediateDirectories: true)
        // `linked_clone = false` (vagrant-parallels' setting): a full copy, whose disk can grow.
        let linked = context.settings(name)?.values["linked_clone"]?.bool ?? true
        try await prlctl.check(
            ["clone", master, "--name", vmName, "--dst", destination] + (linked ? ["--linked", "--id", snapshot] : []),
            doing: "clone the box's VM for \(context.machine.name)")
        // prlctl clone prints no id: the clone is found by its name (made unique above).
        guard let id = try await registeredVMs(prlctl).first(where: { $0.value == vmName })?.key else {
            throw MachineError.clonedButNotListed(vmName)
        }
        do throws(MachineError) {
            var settings = ["set", id, "--device-add", "serial", "--output", consolePath(context)]
            try await prlctl.check(settings, doing: "add the serial console to \(vmName)")
            settings = ["set", id]
            if let memory = context.settings(name)?.memory { settings += ["--memsize", String(memory)] }
            if let cpus = context.settings(name)?.cpus { settings += ["--cpus", String(cpus)] }
            if settings.count > 2 { try await prlctl.check(settings, doing: "set the memory and CPUs of \(vmName)") }
        } catch {
            _ = try? await prlctl.run(["delete", id])
            throw error
        }
        return id
    }

    /// The box's master VM and the id of its base snapshot, registered and taken once under a
    /// lock; the snapshot's id is kept next to the lock (prlctl prints it only when taking it).
    func ensureMaster(_ pvm: String, tool: any HypervisorTool) async throws(MachineError) -> (String, String) {
        let key = String(StableHash.fnv1a(pvm), radix: 16)
        let lock = try await home.holdLock("parallels-\(key)")
        defer { lock.unlock() }
        let record = home.path + "/locks/parallels-\(key).master"
        let vms = Set(try await registeredVMs(tool).keys)
        if let text = try? HostFiles.readText(at: record, limit: 4096) {
            let parts = text.split(separator: " ").map(String.init)
            if parts.count == 2, vms.contains(parts[0]) { return (parts[0], parts[1]) }
        }
        let registered = try await tool.run(["register", pvm, "--preserve-uuid"])
        guard registered.succeeded else {
            let said = (registered.error.isEmpty ? registered.output : registered.error).trimmingCharacters(in: .whitespacesAndNewlines)
            throw MachineError.boxNotRegistered(pvm, said: said)
        }
        // prlctl register prints no id: the master is the VM that was not there before.
        guard let master = try await registeredVMs(tool).keys.first(where: { !vms.contains($0) }) else {
            throw MachineError.registeredButNotListed(pvm)
        }
        let output: String
        do throws(MachineError) {
            output = try await tool.check(["snapshot", master, "--name", Self.snapshotName], doing: "snapshot the box's master VM")
        } catch {
            // Unregistered again, so that the next machine starts over instead of finding the
            // box "already registered" for good.
            _ = try? await tool.run(["unregister", master])
            throw error
        }
        guard let open = output.firstIndex(of: "{"), let close = output[open...].firstIndex(of: "}") else {
            _ = try? await tool.run(["unregister", master])
            throw MachineError.noSnapshotID(output)
        }
        let snapshot = String(output[output.index(after: open)..<close])
        guard FileManager.default.createFile(atPath: record, contents: Data("\(master) \(snapshot)".utf8)) else {
            throw MachineError.cannotWrite(record)
        }
        return (master, snapshot)
    }

    /// `list --all --json -o name,uuid`: uuid → name (names need not be unique).
    func registeredVMs(_ tool: any HypervisorTool) async throws(MachineError) -> [String: String] {
        let output = try await tool.check(["list", "--all", "--no-header", "--json", "-o", "name,uuid"], doing: "list its VMs")
        guard let list = Self.json(output) as? [[String: Any]] else {
            throw MachineError.noJSONList(output)
        }
        var vms: [String: String] = [:]
        for entry in list { if let name = entry["name"] as? String, let uuid = entry["uuid"] as? String { vms[uuid] = name } }
        return vms
    }

    /// `list <vm> --info --json`: one object in an array.
    func vmInfo(_ vm: String, tool: any HypervisorTool) async throws(MachineError) -> [String: Any] {
        let output = try await tool.check(["list", vm, "--info", "--no-header", "--json"], doing: "describe \(vm)")
        guard let info = (Self.json(output) as? [[String: Any]])?.last else {
            throw MachineError.noJSONInfo(output)
        }
        return info
    }

    /// prlctl sometimes prints control characters or words around its JSON (vagrant-parallels
    /// GH-204): only the outermost brackets' span is read.
    static func json(_ output: String) -> Any? {
        let cleaned = String(output.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" })
        guard let end = cleaned.lastIndex(where: { $0 == "]" || $0 == "}" }) else { return nil }
        // The first bracket that starts valid JSON (a terminal escape leaves "[0m" in front).
        var start = cleaned.startIndex
        while let open = cleaned[start..<end].firstIndex(where: { $0 == "[" || $0 == "{" }) {
            if let value = try? JSONSerialization.jsonObject(with: Data(cleaned[open...end].utf8)) { return value }
            start = cleaned.index(after: open)
        }
        return nil
    }

    // MARK: Start and stop

    public func start(_ context: MachineContext) async throws(MachineError) {
        let (prlctl, prlsrvctl) = try tools()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        let status = try await prlctl.check(
            ["list", id, "--no-header", "-o", "status"], doing: "read the state of \(context.machine.name)")
        if status.trimmingCharacters(in: .whitespacesAndNewlines) == "suspended" {
            try await prlctl.check(["resume", id], doing: "resume \(context.machine.name)")
            return
        }
        try await forwardPorts(context, id: id, tool: prlsrvctl)
        let hardware = try await vmInfo(id, tool: prlctl)["Hardware"] as? [String: Any] ?? [:]
        var settings = ["set", id, "--device-set", "net0", "--type", "shared"]
        try await prlctl.check(settings, doing: "put NIC1 of \(context.machine.name) on the Shared network")
        if let attachment = context.internalNetwork {
            let mac = attachment.mac.replacingOccurrences(of: ":", with: "").uppercased()
            settings =
                ["set", id, hardware["net1"] == nil ? "--device-add" : "--device-set"] + (hardware["net1"] == nil ? ["net"] : ["net1"])
                + ["--type", "host", "--iface", attachment.endpoint, "--mac", mac]
            try await prlctl.check(settings, doing: "put NIC2 of \(context.machine.name) on \(attachment.endpoint)")
        }
        if let seed = context.seed {
            settings =
                ["set", id] + (hardware["cdrom0"] == nil ? ["--device-add", "cdrom"] : ["--device-set", "cdrom0"]) + [
                    "--image", seed, "--connect",
                ]
            try await prlctl.check(settings, doing: "attach the NoCloud seed to \(context.machine.name)")
        }
        try await configureDisks(context, id: id, tool: prlctl)
        for call in context.customizations(name, id: id) {
            try await prlctl.check(call, doing: "apply the Vagrantfile's customize \(call.joined(separator: " "))")
        }
        try await prlctl.check(["start", id], doing: "start \(context.machine.name)")
    }

    /// The machine's rules on the Shared network: last start's removed, this start's added.
    /// Rule names are global, so each carries the machine's id.
    func forwardPorts(_ context: MachineContext, id: String, tool: any HypervisorTool) async throws(MachineError) {
        for old in MachineRecords.forwards(context) {
            _ = try? await tool.run(["net", "set", Self.sharedNetwork, "--nat-\(old.proto)-del", Self.ruleName(id: id, forward: old)])
        }
        // Recorded first, so that rules added before a failure are removed next time.
        MachineRecords.writeForwards(context)
        for forward in context.forwards {
            try await tool.check(
                [
                    "net", "set", Self.sharedNetwork, "--nat-\(forward.proto)-add",
                    "\(Self.ruleName(id: id, forward: forward)),\(forward.host),\(id),\(forward.guest)",
                ],
                doing: "forward host port \(forward.host) to \(context.machine.name)")
        }
    }

    static func ruleName(id: String, forward: PortForward) -> String {
        "boxer-\(id.filter { $0.isHexDigit }.prefix(8))-\(forward.id)"
    }

    public func stop(_ context: MachineContext, force: Bool, timeout: Double) async throws(MachineError) {
        let (prlctl, _) = try tools()
        guard let id = context.folder.id else { return }
        switch await state(context) {
        case .notCreated, .poweroff, .aborted: return
        case .paused: try await prlctl.check(["resume", id], doing: "resume \(context.machine.name) to stop it")
        case .running: break
        }
        if !force, let soft = try await prlctl.run(["stop", id], timeout: max(timeout, 1)), soft.succeeded,
            await state(context) == .poweroff
        {
            return
        }
        try await prlctl.check(["stop", id, "--kill"], doing: "power off \(context.machine.name)")
    }

    public func suspend(_ context: MachineContext) async throws(MachineError) {
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        try await tools().prlctl.check(["suspend", id], doing: "suspend \(context.machine.name)")
    }

    public func resume(_ context: MachineContext) async throws(MachineError) {
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        try await tools().prlctl.check(["resume", id], doing: "resume \(context.machine.name)")
    }

    public func destroy(_ context: MachineContext) async throws(MachineError) {
        let (prlctl, prlsrvctl) = try tools()
        if let id = context.folder.id, await state(context) != .notCreated {
            try await stop(context, force: true, timeout: 0)
            for old in MachineRecords.forwards(context) {
                _ = try? await prlsrvctl.run([
                    "net", "set", Self.sharedNetwork, "--nat-\(old.proto)-del", Self.ruleName(id: id, forward: old),
                ])
            }
            try await prlctl.check(["delete", id], doing: "delete \(context.machine.name)")
        }
        try? FileManager.default.removeItem(atPath: context.folder.file("vm"))
        for file in ["console.log", "ports.json", "seed.iso"] { context.folder.remove(file) }
    }

    public func state(_ context: MachineContext) async -> MachineState {
        guard let prlctl, let id = context.folder.id else { return .notCreated }
        // Only a VM Parallels does not know is gone; a failing or hung prlctl ("Login failed:"
        // from its dispatcher) leaves the machine "aborted", never taken for deleted.
        guard let result = try? await prlctl.run(["list", id, "--no-header", "-o", "status"], timeout: 60) else { return .aborted }
        guard result.succeeded else {
            let said = result.error + result.output
            return said.contains("could not be found") || said.contains("is not registered") ? .notCreated : .aborted
        }
        switch result.output.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "stopped": return .poweroff
        case "suspended", "paused": return .paused
        case "": return .notCreated
        default: return .running
        }
    }

    public func sshEndpoint(_ context: MachineContext) -> SSHEndpoint? { MachineRecords.sshEndpoint(context) }
    public func forwardedPorts(_ context: MachineContext) -> [PortForward] { MachineRecords.forwards(context) }
    public func consoleTail(_ context: MachineContext, lines: Int) -> String { MachineRecords.tail(of: consolePath(context), lines: lines) }

    /// A host-only network of the environment's name with Parallels' DHCP server at
    /// 192.168.X.1 handing out .2–.254 (added in two steps, as vagrant-parallels does).
    public func ensureInternalNetwork(_ network: InternalNetwork) async throws(MachineError) {
        let (_, prlsrvctl) = try tools()
        let listed = try await prlsrvctl.check(["net", "list", "--json"], doing: "list its networks")
        let names = (Self.json(listed) as? [[String: Any]] ?? []).compactMap { $0["Network ID"] as? String }
        if !names.contains(network.name) {
            try await prlsrvctl.check(["net", "add", network.name, "--type", "host-only"], doing: "add the network \(network.name)")
        }
        try await prlsrvctl.check(
            [
                "net", "set", network.name, "--ip", "\(network.gateway)/255.255.255.0", "--dhcp-server", "on", "--dhcp-ip", network.gateway,
                "--ip-scope-start", network.lowest, "--ip-scope-end", network.highest,
            ], doing: "set up the network \(network.name)")
    }

    public func removeInternalNetwork(_ network: InternalNetwork) async {
        guard let prlsrvctl else { return }
        _ = try? await prlsrvctl.run(["net", "del", network.name])
    }
}
