import BoxStore
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// The VirtualBox provider, driven through `VBoxManage` as Vagrant's own provider drives it.
///
/// - create: the box's `box.ovf` is imported once per box version as a master VM with a
///   snapshot (`import`, `snapshot take`), and each machine is a linked clone of it (`clonevm
///   --snapshot --options link --register`); `linked_clone = false` gives a full clone.
/// - start: NIC1 NAT with its `natpf1` rules (old rules deleted first), NIC2 on the
///   environment's `intnet` with its MAC, serial port 1 to `console.log`, the NoCloud seed as a
///   DVD on a free port of the box's SATA controller, the seed's hostname and instance id in the DMI serial
///   (`ds=nocloud;h=…;i=…`, which cloud-init reads before it looks for the DVD), memory, CPUs,
///   the `customize` calls, then `startvm --type headless`.
/// - stop: `acpipowerbutton`, then `poweroff` once `timeout` passes; suspend is `savestate`.
/// - state: `showvminfo --machinereadable`'s VMState; destroy: `unregistervm --delete`.
///
/// Only the machine's VM id and what VirtualBox does not keep (ports chosen at start, the
/// console log) are in the machine's folder; everything else is asked of VBoxManage.
public struct VirtualBoxProvider: Provider {
    public let name = "virtualbox"
    public let boxFormats = ["virtualbox"]
    public let attachesToUserspaceSwitch = false
    public let sharedFolderTypes: Set<String> = ["virtualbox"]
    /// VBoxManage, or nil when VirtualBox is not installed.
    public let tool: (any HypervisorTool)?
    public let home: BoxerHome
    /// How long a question (showvminfo, guestproperty) may take before the answer is "unknown".
    public var queryTimeout: Double = 60

    /// The storage controller boxer adds for the seed DVD when the box has no SATA controller.
    static let seedController = "boxer seed"
    static let snapshotName = "boxer-base"

    public init(home: BoxerHome, tool: (any HypervisorTool)? = InstalledTool.find("VBoxManage")) {
        self.home = home
        self.tool = tool
    }

    public func mountCommand(for share: SharedFolder) -> String {
        "mkdir -p \(Communicator.quote(share.guestPath)) && mount -t vboxsf \(share.tag) \(Communicator.quote(share.guestPath))"
    }

    public func checkUsable() throws(MachineError) {
        _ = try vboxmanage()
    }

    func vboxmanage() throws(MachineError) -> any HypervisorTool {
        guard let tool else {
            throw MachineError.vboxManageMissing
        }
        return tool
    }

    func consolePath(_ context: MachineContext) -> String { context.folder.file("console.log") }

    // MARK: Create

    public func create(_ context: MachineContext) async throws(MachineError) -> String {
        let tool = try vboxmanage()
        let ovf = try context.boxFile("box.ovf", provider: name)
        try MachineRecords.makeFolder(context)
        let settings = context.settings(name)
        let vmName = settings?.values["name"]?.string ?? Self.vmName(context)
        // A full clone (`linked_clone = false`) starts from the imported master too: importing
        // per machine would copy the disk twice.
        let master = try await ensureMaster(ovf: ovf, box: context.box, tool: tool)
        let linked = settings?.values["linked_clone"]?.bool ?? true
        let clone =
            ["clonevm", master] + (linked ? ["--snapshot", Self.snapshotName, "--options", "link"] : []) + ["--name", vmName, "--register"]
        try await tool.check(clone, doing: "clone the box's VM for \(context.machine.name)")
        let info = try await machineInfo(vmName, tool: tool)
        guard let id = info["UUID"], !id.isEmpty else {
            throw MachineError.clonedWithoutUUID(vmName)
        }
        do throws(MachineError) {
            var modify = ["modifyvm", id, "--uart1", "0x3F8", "4", "--uartmode1", "file", consolePath(context)]
            if let memory = settings?.memory { modify += ["--memory", String(memory)] }
            if let cpus = settings?.cpus { modify += ["--cpus", String(cpus)] }
            try await tool.check(modify, doing: "set up \(vmName)")
            let slot = try await seedSlot(id, tool: tool)
            try context.folder.write("seed_slot", "\(slot.controller)\n\(slot.port)")
        } catch {
            _ = try? await tool.run(["unregistervm", id, "--delete"])
            throw error
        }
        return id
    }

    /// Where the seed DVD goes: a free port of the box's own SATA controller (VirtualBox's
    /// default chipset allows one controller per bus, and most boxes have a SATA one), given one
    /// more port when all are taken; a controller of boxer's own only when the box has none.
    func seedSlot(_ id: String, tool: any HypervisorTool) async throws(MachineError) -> (controller: String, port: Int) {
        if let slot = try await freeSATAPort(id, for: "the seed", tool: tool) { return slot }
        try await tool.check(
            ["storagectl", id, "--name", Self.seedController, "--add", "sata", "--portcount", "1"], doing: "add a controller for the seed")
        return (Self.seedController, 0)
    }

    /// The first free port of the VM's SATA controller, given one more port when all are taken;
    /// nil when it has none. `reserved` ("Controller-port": the seed's, attached only at start)
    /// is never free; a port holding an empty drive is free only for the seed (a disk must not
    /// take the place of the box's own drive).
    func freeSATAPort(_ id: String, for purpose: String, reserved: String? = nil, tool: any HypervisorTool) async throws(MachineError)
        -> (controller: String, port: Int)?
    {
        let emptyDrivesAreFree = reserved == nil
        let info = try await machineInfo(id, tool: tool)
        for index in 0..<8 {
            guard let name = info["storagecontrollername\(index)"] else { break }
            guard info["storagecontrollertype\(index)"] == "IntelAhci" else { continue }
            let ports = Int(info["storagecontrollerportcount\(index)"] ?? "") ?? 1
            let maximum = Int(info["storagecontrollermaxportcount\(index)"] ?? "") ?? 30
            let used = { (port: Int) -> Bool in
                if "\(name)-\(port)" == reserved { return true }
                guard let medium = info["\(name)-\(port)-0"] else { return false }
                return medium != "none" && !(emptyDrivesAreFree && medium == "emptydrive")
            }
            guard let port = (0..<maximum).first(where: { !used($0) }) else { continue }
            if port >= ports {
                try await tool.check(
                    ["storagectl", id, "--name", name, "--portcount", String(port + 1)], doing: "give \(name) a port for \(purpose)")
            }
            return (name, port)
        }
        return nil
    }

    /// "<project>_<machine>_<milliseconds>_<random>", as Vagrant names VMs: unique in
    /// VirtualBox's global namespace, and telling in its GUI.
    static func vmName(_ context: MachineContext) -> String {
        let project = context.folder.projectRoot.split(separator: "/").last.map(String.init) ?? "boxer"
        let millis = Int(Date().timeIntervalSince1970 * 1000)
        return "\(project)_\(context.machine.name)_\(millis)_\(Int.random(in: 1000...99999))"
    }

    /// The box's master VM (imported once per box version and architecture, with its base
    /// snapshot), imported now when VirtualBox does not have it. Two machines of the same box
    /// made at once import it once: the import holds a lock in boxer's home.
    func ensureMaster(ovf: String, box: BoxMatch?, tool: any HypervisorTool) async throws(MachineError) -> String {
        let key = String(StableHash.fnv1a(HostFiles.parent(of: ovf)), radix: 16)
        let master = "boxer-master-" + (box.map { "\($0.name.replacingOccurrences(of: "/", with: "-"))-\($0.version)-" } ?? "") + key
        let lock = try await home.holdLock("virtualbox-\(key)")
        defer { lock.unlock() }
        if try await registeredVMs(tool: tool).keys.contains(master) {
            let snapshots = try await tool.run(["snapshot", master, "list", "--machinereadable"])
            if snapshots.succeeded, snapshots.output.contains("\"\(Self.snapshotName)\"") { return master }
            // An import that was interrupted before its snapshot: start it over.
            _ = try? await tool.run(["unregistervm", master, "--delete"])
        }
        try await tool.check(["import", ovf, "--vsys", "0", "--vmname", master], doing: "import the box \(ovf)")
        do throws(MachineError) {
            try await tool.check(
                ["snapshot", master, "take", Self.snapshotName, "--description", "boxer: linked clones start here"],
                doing: "snapshot the box's master VM \(master)")
        } catch {
            _ = try? await tool.run(["unregistervm", master, "--delete"])
            throw error
        }
        return master
    }

    /// `list vms`: `"name" {uuid}` lines.
    func registeredVMs(tool: any HypervisorTool) async throws(MachineError) -> [String: String] {
        let output = try await tool.check(["list", "vms"], doing: "list its VMs")
        var vms: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard line.hasPrefix("\""), let close = line.lastIndex(of: "\""), close > line.startIndex,
                let open = line.lastIndex(of: "{"), let end = line.lastIndex(of: "}")
            else { continue }
            vms[String(line[line.index(after: line.startIndex)..<close])] = String(line[line.index(after: open)..<end])
        }
        return vms
    }

    /// `showvminfo --machinereadable`: `key="value"` lines (keys may be quoted too).
    func machineInfo(_ vm: String, tool: any HypervisorTool) async throws(MachineError) -> [String: String] {
        let output = try await tool.check(["showvminfo", vm, "--machinereadable"], doing: "describe \(vm)")
        return Self.parseMachineReadable(output)
    }

    static func parseMachineReadable(_ output: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[unquote(line[..<equals])] = unquote(line[line.index(after: equals)...])
        }
        return values
    }

    static func unquote(_ text: Substring) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 2, trimmed.hasPrefix("\""), trimmed.hasSuffix("\"") else { return trimmed }
        return String(trimmed.dropFirst().dropLast())
    }

    // MARK: Start and stop

    public func start(_ context: MachineContext) async throws(MachineError) {
        let tool = try vboxmanage()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        let info = try await machineInfo(id, tool: tool)
        // A saved machine resumes as it was: VirtualBox refuses changes to it until then.
        if info["VMState"] != "saved" {
            try await configure(context, id: id, info: info, tool: tool)
        }
        let gui = context.settings(name)?.values["gui"]?.bool ?? false
        try await startvm(id, type: gui ? "gui" : "headless", doing: "start \(context.machine.name)", tool: tool)
    }

    /// `startvm`, which on some hosts exits 1 although it started the VM (Vagrant checks the
    /// words too).
    func startvm(_ id: String, type: String, doing what: String, tool: any HypervisorTool) async throws(MachineError) {
        let arguments = ["startvm", id, "--type", type]
        let result = try await tool.run(arguments)
        if result.succeeded || result.output.contains("has been successfully started") { return }
        try await tool.check(["showvminfo", id, "--machinereadable"], doing: what)
        let said = (result.error.isEmpty ? result.output : result.error).trimmingCharacters(in: .whitespacesAndNewlines)
        throw MachineError.toolFailed("VBoxManage", doing: what, arguments: arguments, status: result.status, said: said)
    }

    /// Everything that is set while the machine is off, before each boot.
    func configure(_ context: MachineContext, id: String, info: [String: String], tool: any HypervisorTool) async throws(MachineError) {
        // NIC1 NAT with this start's forwards; the previous start's rules go first (VBoxManage
        // refuses a rule whose name exists).
        let oldRules = info.filter { $0.key.hasPrefix("Forwarding(") }.values.compactMap {
            $0.split(separator: ",", omittingEmptySubsequences: false).first.map(String.init)
        }
        for rule in oldRules.sorted() {
            try await tool.check(["modifyvm", id, "--natpf1", "delete", rule], doing: "remove the old forwarded port \(rule)")
        }
        var nics = ["modifyvm", id, "--nic1", "nat"]
        if let attachment = context.internalNetwork {
            nics = VirtualBoxNetwork.nicArguments(vm: id, attachment: attachment)
        }
        for forward in context.forwards {
            let hostIP = forward.hostIP == "0.0.0.0" ? "" : forward.hostIP
            nics += ["--natpf1", "\(forward.id),\(forward.proto),\(hostIP),\(forward.host),,\(forward.guest)"]
        }
        try await tool.check(nics, doing: "set up the network of \(context.machine.name)")
        MachineRecords.writeForwards(context)

        let recorded = context.folder.read("seed_slot")?.split(separator: "\n").map(String.init) ?? []
        let (controller, port) = recorded.count == 2 ? (recorded[0], Int(recorded[1]) ?? 0) : (Self.seedController, 0)
        try await tool.check(
            [
                "storageattach", id, "--storagectl", controller, "--port", String(port), "--device", "0", "--type", "dvddrive", "--medium",
                context.seed ?? "emptydrive",
            ],
            doing: "attach the NoCloud seed to \(context.machine.name)")
        if context.seed != nil {
            let serial = "ds=nocloud;h=\(context.machine.hostname ?? context.machine.name);i=\(id)"
            // The DMI serial is the BIOS's on BIOS boxes and the EFI firmware's on EFI ones.
            let firmware = (info["firmware"] ?? "BIOS").uppercased().hasPrefix("EFI") ? "efi" : "pcbios"
            try await tool.check(
                ["setextradata", id, "VBoxInternal/Devices/\(firmware)/0/Config/DmiSystemSerial", serial],
                doing: "set the DMI serial of \(context.machine.name)")
        }
        var resources = ["modifyvm", id]
        if let memory = context.settings(name)?.memory { resources += ["--memory", String(memory)] }
        if let cpus = context.settings(name)?.cpus { resources += ["--cpus", String(cpus)] }
        if resources.count > 2 { try await tool.check(resources, doing: "set the memory and CPUs of \(context.machine.name)") }
        try await configureDisks(context, id: id, tool: tool)
        for call in context.customizations(name, id: id) {
            try await tool.check(call, doing: "apply the Vagrantfile's customize \(call.joined(separator: " "))")
        }
    }

    public func stop(_ context: MachineContext, force: Bool, timeout: Double) async throws(MachineError) {
        let tool = try vboxmanage()
        guard let id = context.folder.id else { return }
        switch await state(context) {
        case .notCreated, .poweroff, .aborted:
            return
        case .paused:
            if try await machineInfo(id, tool: tool)["VMState"] == "saved" {
                // A saved machine has no guest to ask: its saved state goes.
                try await tool.check(["discardstate", id], doing: "discard the saved state of \(context.machine.name)")
                return
            }
            if !force { try await tool.check(["controlvm", id, "resume"], doing: "resume \(context.machine.name) to shut it down") }
        case .running:
            break
        }
        if !force, (try? await tool.check(["controlvm", id, "acpipowerbutton"], doing: "press the power button")) != nil {
            let deadline = Date().addingTimeInterval(timeout)
            repeat {
                if await state(context) != .running { return }
                try? await Task.sleep(for: .milliseconds(500))
            } while Date() < deadline
        }
        do throws(MachineError) {
            try await tool.check(["controlvm", id, "poweroff"], doing: "power off \(context.machine.name)")
        } catch {
            // The guest may have finished shutting down between the last look and poweroff.
            if await state(context) == .poweroff { return }
            throw error
        }
    }

    public func suspend(_ context: MachineContext) async throws(MachineError) {
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        try await vboxmanage().check(["controlvm", id, "savestate"], doing: "suspend \(context.machine.name)")
    }

    public func resume(_ context: MachineContext) async throws(MachineError) {
        let tool = try vboxmanage()
        guard let id = context.folder.id else { throw MachineError.machineNotCreated }
        if try await machineInfo(id, tool: tool)["VMState"] == "paused" {
            try await tool.check(["controlvm", id, "resume"], doing: "resume \(context.machine.name)")
        } else {
            try await startvm(id, type: "headless", doing: "resume \(context.machine.name)", tool: tool)
        }
    }

    public func destroy(_ context: MachineContext) async throws(MachineError) {
        let tool = try vboxmanage()
        if let id = context.folder.id, await state(context) != .notCreated {
            try await stop(context, force: true, timeout: 0)
            // VirtualBox holds the VM's session for a moment after poweroff (Vagrant retries too).
            var attempt = 0
            while true {
                do throws(MachineError) {
                    try await tool.check(["unregistervm", id, "--delete"], doing: "delete \(context.machine.name)")
                    break
                } catch {
                    attempt += 1
                    guard attempt < 5, error.message.contains("locked") else { throw error }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        for file in ["console.log", "ports.json", "seed.iso", "seed_slot"] { context.folder.remove(file) }
    }

    /// VMState: running, paused and saved (suspended) as Vagrant reads them; "aborted" when the
    /// VM process died; transient states (starting, stopping, saving) count as running.
    public func state(_ context: MachineContext) async -> MachineState {
        guard let tool, let id = context.folder.id else { return .notCreated }
        // Only a VM VirtualBox does not know is gone; a VBoxManage that fails or hangs (VBoxSVC
        // restarting) leaves the machine "aborted", so that nothing takes it for deleted.
        guard let result = try? await tool.run(["showvminfo", id, "--machinereadable"], timeout: queryTimeout) else { return .aborted }
        guard result.succeeded else {
            return (result.error + result.output).contains("Could not find a registered machine") ? .notCreated : .aborted
        }
        guard let vmState = Self.parseMachineReadable(result.output)["VMState"] else { return .aborted }
        switch vmState {
        case "poweroff": return .poweroff
        case "aborted", "gurumeditation": return .aborted
        case "paused", "saved": return .paused
        default: return .running
        }
    }

    public func sshEndpoint(_ context: MachineContext) -> SSHEndpoint? { MachineRecords.sshEndpoint(context) }
    public func forwardedPorts(_ context: MachineContext) -> [PortForward] { MachineRecords.forwards(context) }
    public func consoleTail(_ context: MachineContext, lines: Int) -> String { MachineRecords.tail(of: consolePath(context), lines: lines) }

    /// NIC2's address as the guest additions report it (`/VirtualBox/GuestInfo/Net/1/V4/IP`).
    public func internalAddress(_ context: MachineContext) async -> String? {
        guard let tool, let id = context.folder.id,
            let result = try? await tool.run(["guestproperty", "get", id, "/VirtualBox/GuestInfo/Net/1/V4/IP"], timeout: queryTimeout),
            result.succeeded,
            result.output.hasPrefix("Value: ")
        else { return nil }
        let address = result.output.dropFirst("Value: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        // The additions report 0.0.0.0 before DHCP answered (Vagrant GH-4658).
        return address == "0.0.0.0" || address.isEmpty ? nil : address
    }

    public func ensureInternalNetwork(_ network: InternalNetwork) async throws(MachineError) {
        try await VirtualBoxNetwork(tool: vboxmanage()).ensure(network)
    }

    public func removeInternalNetwork(_ network: InternalNetwork) async {
        guard let tool else { return }
        await VirtualBoxNetwork(tool: tool).remove(network)
    }
}
