import BoxStore
import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// The VMware Workstation / Fusion provider (`vmware_desktop` boxes), driven through `vmrun`
/// and the machine's `.vmx`, as vagrant-vmware-desktop drives them.
///
/// - create: the box's `.vmx` gets a snapshot once ("boxer-base", so that VMware does not add a
///   "Clone" snapshot per machine) and each machine is a linked clone of it in the machine's
///   folder (`vmrun clone … linked -snapshot=boxer-base -cloneName=…`); the machine's id is the
///   clone's `.vmx` path, as vagrant-vmware-desktop keeps it.
/// - start: the `.vmx` is edited while the machine is off: memory, CPUs, serial port 1 to
///   `console.log`, NIC1 NAT and NIC2 host-only with static MACs in VMware's allowed range, the
///   NoCloud seed as a CD-ROM image, an arm64 guestOS for arm64 boxes; then `vmrun start nogui`.
/// - SSH: VMware forwards host ports only through its NAT service's configuration, which needs
///   root (vagrant-vmware-desktop installs a root helper for it), so boxer connects to the
///   guest's NAT address that `vmrun getGuestIPAddress` reports, on the forward's guest port.
/// - Fusion on Apple Silicon: the seed is not picked up on the first boot (cloud-init#3897), so
///   the first start of an arm64 machine reboots it once after it has come up.
/// - state: running when `vmrun list` names the `.vmx`, suspended when a `.vmss` exists.
public struct VMwareProvider: Provider {
    public let name = "vmware_desktop"
    public let boxFormats = ["vmware_desktop", "vmware_fusion", "vmware_workstation"]
    public let attachesToUserspaceSwitch = false
    public let sharedFolderTypes: Set<String> = []
    public let tool: (any HypervisorTool)?
    /// `vmware-vdiskmanager`, which makes and grows disks (`config.vm.disk`).
    public let diskManager: (any HypervisorTool)?
    public let home: BoxerHome
    /// "fusion" on macOS, "ws" elsewhere: vmrun's `-T`.
    public let hostType: String
    /// How long `getGuestIPAddress -wait` and `stop soft` may take.
    public var addressTimeout: Double = 300
    public var softStopTimeout: Double = 30

    static let snapshotName = "boxer-base"

    public init(
        home: BoxerHome, tool: (any HypervisorTool)? = InstalledTool.find("vmrun"), hostType: String? = nil,
        diskManager: (any HypervisorTool)? = InstalledTool.find("vmware-vdiskmanager")
    ) {
        self.home = home
        self.tool = tool
        self.diskManager = diskManager
        #if os(macOS)
            self.hostType = hostType ?? "fusion"
        #else
            self.hostType = hostType ?? "ws"
        #endif
    }

    public func mountCommand(for share: SharedFolder) -> String { "false" }

    public func checkUsable() throws(MachineError) { _ = try vmrun() }

    func vmrun() throws(MachineError) -> any HypervisorTool {
        guard let tool else {
            throw MachineError.vmrunMissing
        }
        return tool
    }

    /// vmrun with its host type first (it refuses flags after the command).
    @discardableResult
    func vmrun(_ arguments: [String], doing what: String) async throws(MachineError) -> String {
        try await vmrun().check(["-T", hostType] + arguments, doing: what)
    }

    /// The machine's `.vmx` (its id, as vagrant-vmware-desktop keeps it), only when it is the
    /// one `create` made: `<machine folder>/vm/<name>.vmx`. Any other path read back from the
    /// `id` file would have vmrun start or delete somebody else's VM.
    func vmxPath(_ context: MachineContext) -> String? {
        context.folder.id.flatMap { checkID($0, folder: context.folder) == nil ? $0 : nil }
    }

    public func checkID(_ id: String, folder: MachineFolder) -> String? {
        let prefix = folder.file("vm") + "/"
        guard id.hasPrefix(prefix), id.hasSuffix(".vmx") else {
            return "VMware machine ids are the .vmx path \(prefix)<name>.vmx in the machine's own folder"
        }
        let name = id.dropFirst(prefix.count)
        guard !name.contains("/"), name != ".vmx" else {
            return "VMware machine ids are the .vmx path \(prefix)<name>.vmx in the machine's own folder"
        }
        return nil
    }
    func consolePath(_ context: MachineContext) -> String { context.folder.file("console.log") }

    // MARK: Create

    public func create(_ context: MachineContext) async throws(MachineError) -> String {
        let tool = try vmrun()
        guard let box = context.box else { throw MachineError.noBoxToMakeFrom }
        guard let boxVMX = HostFiles.entries(of: box.path).filter({ $0.hasSuffix(".vmx") }).sorted().first.map({ box.path + "/" + $0 })
        else {
            throw MachineError.noVMX(box, provider: name)
        }
        try MachineRecords.makeFolder(context)
        try await ensureBaseSnapshot(boxVMX, tool: tool)
        let folder = context.folder.file("vm")
        try? FileManager.default.removeItem(atPath: folder)
        let vmx = folder + "/" + context.machine.name + ".vmx"
        let displayName =
            context.settings(name)?.vmx["displayName"]
            ?? "\(context.folder.projectRoot.split(separator: "/").last ?? "boxer")_\(context.machine.name)"
        // `linked_clone = false` (vagrant-vmware-desktop's setting): a full copy, whose disk can grow.
        let linked = context.settings(name)?.values["linked_clone"]?.bool ?? true
        try await vmrun(
            ["clone", boxVMX, vmx, linked ? "linked" : "full", "-snapshot=\(Self.snapshotName)", "-cloneName=\(displayName)"],
            doing: "clone the box's VM for \(context.machine.name)")
        do throws(MachineError) {
            var file = try VMXFile.read(vmx)
            // A clone is a new machine to VMware: no "moved or copied?" question on first start.
            file["uuid.action"] = "create"
            file["msg.autoAnswer"] = "TRUE"
            file["serial0.present"] = "TRUE"
            file["serial0.fileType"] = "file"
            file["serial0.fileName"] = consolePath(context)
            if box.architecture == "arm64", !(file["guestOS"] ?? "").hasPrefix("arm-") {
                file["guestOS"] = "arm-other6xlinux-64"
            }
            try file.write(to: vmx)
        } catch {
            try? FileManager.default.removeItem(atPath: folder)
            throw error
        }
        return vmx
    }

    /// The snapshot every linked clone of the box starts from, taken once under a lock.
    func ensureBaseSnapshot(_ boxVMX: String, tool: any HypervisorTool) async throws(MachineError) {
        let lock = try await home.holdLock("vmware-\(String(StableHash.fnv1a(boxVMX), radix: 16))")
        defer { lock.unlock() }
        let snapshots = try await vmrun(["listSnapshots", boxVMX], doing: "list the box's snapshots")
        if snapshots.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces) == Self.snapshotName }) { return }
        try await vmrun(["snapshot", boxVMX, Self.snapshotName], doing: "snapshot the box \(boxVMX)")
    }

    // MARK: Start and stop

    public func start(_ context: MachineContext) async throws(MachineError) {
        let tool = try vmrun()
        guard let vmx = vmxPath(context) else { throw MachineError.machineNotCreated }
        let suspended = !suspendFiles(vmx).isEmpty
        if !suspended {
            try configure(context, vmx: vmx)
            try await configureDisks(context, vmx: vmx)
        }
        MachineRecords.writeForwards(context)
        let firstBoot = !HostFiles.exists(context.folder.file("booted"))
        try await vmrun(
            ["start", vmx, (context.settings(name)?.values["gui"]?.bool ?? false) ? "gui" : "nogui"], doing: "start \(context.machine.name)"
        )
        try? context.folder.write("booted", "")
        if suspended { return }
        // Fusion on Apple Silicon sees the seed's CD-ROM only after a reboot (cloud-init#3897).
        let seedNeedsReboot = hostType == "fusion" && context.box?.architecture == "arm64" && context.seed != nil && firstBoot
        guard let address = try await guestAddress(vmx, tool: tool) else {
            throw MachineError.noGuestAddress(context.machine.name, within: Int(addressTimeout))
        }
        if seedNeedsReboot {
            try await vmrun(["reset", vmx, "soft"], doing: "reboot \(context.machine.name) so that it reads its seed")
            _ = try await guestAddress(vmx, tool: tool)
        }
        try context.folder.write("guest_address", address)
    }

    /// NIC1's address as the guest's tools report it; one ending in .1 is the host's side of
    /// the wrong interface (open-vm-tools#93) and is asked again.
    func guestAddress(_ vmx: String, tool: any HypervisorTool) async throws(MachineError) -> String? {
        let deadline = Date().addingTimeInterval(addressTimeout)
        while Date() < deadline {
            let remaining = max(1, deadline.timeIntervalSinceNow)
            if let result = try await tool.run(["-T", hostType, "getGuestIPAddress", vmx, "-wait"], timeout: remaining), result.succeeded {
                let address = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
                if address.split(separator: ".").count == 4, !address.hasSuffix(".1") { return address }
            }
            try? await Task.sleep(for: .seconds(2))
        }
        return nil
    }

    /// The `.vmx` settings of one boot, written while the machine is off.
    func configure(_ context: MachineContext, vmx: String) throws(MachineError) {
        var file = try VMXFile.read(vmx)
        if let memory = context.settings(name)?.memory { file["memsize"] = String(memory) }
        if let cpus = context.settings(name)?.cpus { file["numvcpus"] = String(cpus) }
        // The box's NIC type and PCI slot stay as they are: either changing renames the guest's
        // interface (ens33 → ens160) and its network configuration would miss it.
        let defaultDevice = context.box?.architecture == "arm64" ? "e1000e" : "vmxnet3"
        file["ethernet0.present"] = "TRUE"
        file["ethernet0.connectionType"] = "nat"
        if file["ethernet0.virtualDev"] == nil { file["ethernet0.virtualDev"] = defaultDevice }
        file["ethernet0.generatedAddress"] = nil
        file["ethernet0.addressType"] = "static"
        file["ethernet0.address"] = Self.mac(for: vmx, nic: 1)
        if let attachment = context.internalNetwork {
            file["ethernet1.present"] = "TRUE"
            file["ethernet1.connectionType"] = "hostonly"
            if file["ethernet1.virtualDev"] == nil { file["ethernet1.virtualDev"] = file["ethernet0.virtualDev"] ?? defaultDevice }
            file["ethernet1.generatedAddress"] = nil
            file["ethernet1.addressType"] = "static"
            // boxer chose it with macAddress(forMachine:nic:), in VMware's range.
            file["ethernet1.address"] = attachment.mac
        } else {
            file["ethernet1.present"] = "FALSE"
        }
        let slot = context.folder.read("seed_slot") ?? Self.freeCDROMSlot(file)
        try context.folder.write("seed_slot", slot)
        let bus = String(slot.prefix { $0 != ":" })
        file["\(bus).present"] = "TRUE"
        file["\(slot).present"] = context.seed == nil ? "FALSE" : "TRUE"
        file["\(slot).deviceType"] = "cdrom-image"
        file["\(slot).fileName"] = context.seed ?? ""
        file["\(slot).startConnected"] = context.seed == nil ? "FALSE" : "TRUE"
        for (key, value) in context.settings(name)?.vmx.sorted(by: { $0.key < $1.key }) ?? [] {
            file[key] = value
        }
        try file.write(to: vmx)
    }

    /// A device slot the box does not use, for the seed's CD-ROM (never one of the box's disks).
    static func freeCDROMSlot(_ file: VMXFile) -> String {
        let candidates = ["sata1:0", "sata1:1", "ide1:1", "ide1:0", "sata2:0", "ide0:1"]
        return candidates.first { file["\($0).present"] == nil && file["\($0).fileName"] == nil } ?? "sata3:0"
    }

    /// A static MAC in the range VMware allows for them, 00:50:56:00:00:00–00:50:56:3F:FF:FF
    /// (it refuses others), stable per machine and NIC.
    public static func mac(for id: String, nic: Int) -> String {
        let hash = StableHash.fnv1a(id + "/\(nic)")
        return String(format: "00:50:56:%02x:%02x:%02x", (hash >> 16) & 0x3f, (hash >> 8) & 0xff, hash & 0xff)
    }

    public func macAddress(forMachine id: String, nic: Int) -> String { Self.mac(for: id, nic: nic) }

    func suspendFiles(_ vmx: String) -> [String] {
        let folder = HostFiles.parent(of: vmx)
        return HostFiles.entries(of: folder).filter { $0.hasSuffix(".vmss") }.map { folder + "/" + $0 }
    }

    public func stop(_ context: MachineContext, force: Bool, timeout: Double) async throws(MachineError) {
        let tool = try vmrun()
        guard let vmx = vmxPath(context) else { return }
        switch await state(context) {
        case .notCreated, .poweroff, .aborted: return
        case .paused:
            // A suspended machine has no guest to ask: its saved state goes, as
            // vagrant-vmware-desktop discards it.
            for file in suspendFiles(vmx) { unlink(file) }
            var file = try VMXFile.read(vmx)
            for key in ["checkpoint.vmState", "checkpoint.vmState.readOnly", "vmotion.checkpointFBSize"] { file[key] = nil }
            try file.write(to: vmx)
            return
        case .running: break
        }
        if !force, let soft = try await tool.run(["-T", hostType, "stop", vmx, "soft"], timeout: min(timeout, softStopTimeout) + 1),
            soft.succeeded,
            await state(context) == .poweroff
        {
            return
        }
        let hard = try await tool.run(["-T", hostType, "stop", vmx, "hard"])
        if !hard.succeeded, await state(context) == .running {
            throw MachineError.vmrunCouldNotPowerOff(context.machine.name, hard.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    public func suspend(_ context: MachineContext) async throws(MachineError) {
        guard let vmx = vmxPath(context) else { throw MachineError.machineNotCreated }
        try await vmrun(["suspend", vmx, "hard"], doing: "suspend \(context.machine.name)")
    }

    public func resume(_ context: MachineContext) async throws(MachineError) {
        guard let vmx = vmxPath(context) else { throw MachineError.machineNotCreated }
        try await vmrun(["start", vmx, "nogui"], doing: "resume \(context.machine.name)")
    }

    public func destroy(_ context: MachineContext) async throws(MachineError) {
        if let vmx = vmxPath(context), HostFiles.exists(vmx) {
            try await stop(context, force: true, timeout: 0)
            try await vmrun(["deleteVM", vmx], doing: "delete \(context.machine.name)")
        }
        try? FileManager.default.removeItem(atPath: context.folder.file("vm"))
        for file in ["console.log", "ports.json", "seed.iso", "guest_address", "booted", "seed_slot"] { context.folder.remove(file) }
    }

    public func state(_ context: MachineContext) async -> MachineState {
        guard let tool, let vmx = vmxPath(context), HostFiles.exists(vmx) else { return .notCreated }
        if let list = try? await tool.run(["-T", hostType, "list"]), list.succeeded,
            list.output.split(separator: "\n").dropFirst().contains(where: { Self.samePath(String($0), vmx) })
        {
            return .running
        }
        return suspendFiles(vmx).isEmpty ? .poweroff : .paused
    }

    /// vmrun prints paths as the host spells them: case-insensitively on macOS and Windows.
    static func samePath(_ a: String, _ b: String) -> Bool {
        #if os(Linux)
            a.trimmingCharacters(in: .whitespaces) == b
        #else
            a.trimmingCharacters(in: .whitespaces).lowercased() == b.lowercased()
        #endif
    }

    /// The guest's NAT address and the forward's guest port (see the type's comment).
    public func sshEndpoint(_ context: MachineContext) -> SSHEndpoint? {
        guard let address = context.folder.read("guest_address") else { return nil }
        let forwards = context.forwards.isEmpty ? MachineRecords.forwards(context) : context.forwards
        return SSHEndpoint(host: address, port: forwards.first { $0.id == "ssh" }?.guest ?? 22)
    }

    /// None: no port of the host reaches the guest (see the type's comment).
    public func forwardedPorts(_ context: MachineContext) -> [PortForward] { [] }
    public func consoleTail(_ context: MachineContext, lines: Int) -> String { MachineRecords.tail(of: consolePath(context), lines: lines) }
}
