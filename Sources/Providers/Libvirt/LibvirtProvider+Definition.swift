import BoxerSupport
import Foundation
import Machines
import Vagrantfile

/// What the domain XML says for a machine, from its settings, its box and this start.
extension LibvirtProvider {
    /// The machine's disks: `config.vm.disk` and vagrant-libvirt's `machine_virtual_size` and
    /// `storage` calls.
    func diskPlan(_ context: MachineContext) throws(MachineError) -> DiskPlan {
        try DiskPlan(
            context.machine, folder: context.folder, root: context.folder.projectRoot,
            virtualSizeGB: settings(context)["machine_virtual_size"]?.int, fileExtension: "qcow2", provider: name,
            libvirtStorage: (context.machine.providers["libvirt"]?.calls ?? []).filter { !Self.isHostCdrom($0) })
    }

    /// vagrant-libvirt's `storage :file, device: :cdrom`: its `path` is a file on the libvirt
    /// host, not here (a local ISO is `config.vm.disk :dvd`, uploaded into the pool).
    static func isHostCdrom(_ call: ProviderCall) -> Bool {
        guard call.name == "storage", call.arguments.first?.string == "file", case .object(let options)? = call.arguments.dropFirst().first
        else { return false }
        return options["device"]?.string == "cdrom"
    }

    /// The volume a local ISO (`config.vm.disk :dvd`) is uploaded into, one per machine.
    static func imageVolumeName(domainName: String, index: Int) -> String { domainName + "-dvd\(index).iso" }

    /// Uploads the machine's local ISOs that its pool does not hold yet.
    func uploadImages(_ context: MachineContext, domainName: String, pool: LibvirtPool) throws(MachineError) {
        for (index, image) in try diskPlan(context).images.enumerated() {
            let name = Self.imageVolumeName(domainName: domainName, index: index)
            if try pool.volume(named: name) == nil { try uploadFile(image.file, as: name, pool: pool) }
        }
    }

    /// The TCP port NIC2 listens on at the host's loopback: spread by the machine's id, moved
    /// on when taken (`attempt`).
    static func nic2Port(id: String, attempt: Int) -> Int {
        let spread = UInt64(StableHash.fnv1a(id)) &+ UInt64(attempt) &* 7919
        return 20_000 + Int(spread % 20_000)
    }

    func nic2Port(_ context: MachineContext, id: String) -> Int {
        context.folder.read("nic2_port").flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            ?? Self.nic2Port(id: id, attempt: 0)
    }

    func guestArchitecture(_ context: MachineContext) -> String {
        context.boxArchitecture ?? HostArchitecture.current(environment: environment)
    }

    func definition(
        _ context: MachineContext, id: String, domainName: String, host: LibvirtHost, connection: LibvirtConnection, pool: LibvirtPool
    ) throws(MachineError) -> LibvirtDomainXML {
        let settings = settings(context)
        let architecture = guestArchitecture(context)
        let arch = architecture == "arm64" ? "aarch64" : "x86_64"
        let machineType = settings["machine_type"]?.string ?? (arch == "aarch64" ? "virt" : "q35")
        // KVM where the host has it for this architecture (vagrant-libvirt's `driver`, default
        // kvm; `$BOXER_QEMU_ACCEL=tcg` as for the QEMU provider), else QEMU's emulation.
        var type = settings["driver"]?.string == "qemu" || context.folder.read("libvirt_driver") == "qemu" ? "qemu" : "kvm"
        if type == "kvm" {
            if environment["BOXER_QEMU_ACCEL"] == "tcg" {
                type = "qemu"
            } else if !host.isRemote, QEMUHost(environment: environment).accelerator(for: architecture).0 == .tcg {
                // The local daemon runs QEMU on this computer: the QEMU provider's own probe
                // knows a /dev/kvm that opens but cannot run guests (kvm_pvm), where libvirt
                // offers KVM and the guest then hangs without a word.
                type = "qemu"
            } else if connection.domainCapabilities(arch: arch, virtType: "kvm", machine: machineType) == nil {
                type = "qemu"
            }
        }
        var cpuMode = settings["cpu_mode"]?.string
        var cpuModel = settings["cpu_model"]?.string
        if cpuMode == nil {
            if type == "kvm" {
                cpuMode = "host-passthrough"
            } else if arch == "aarch64" {
                cpuMode = "custom"
                cpuModel = cpuModel ?? "cortex-a72"
            }
        }
        let disks = try diskPlan(context)
        let bus = settings["disk_bus"]?.string ?? "virtio"
        var volumes = [LibvirtDomainXML.Disk(pool: pool.name, volume: domainName + ".qcow2", format: "qcow2", bus: bus)]
        for data in disks.data {
            volumes.append(
                .init(
                    pool: pool.name, volume: domainName + "-" + DiskPlan.serial(data.name) + ".qcow2", format: "qcow2", bus: bus,
                    serial: DiskPlan.serial(data.name)))
        }
        for (index, image) in disks.images.enumerated() {
            var cdrom = LibvirtDomainXML.Disk.cdrom(hostFile: nil, bus: image.libvirtBus ?? "sata")
            cdrom.pool = pool.name
            cdrom.volume = Self.imageVolumeName(domainName: domainName, index: index)
            volumes.append(cdrom)
        }
        for call in context.machine.providers["libvirt"]?.calls ?? [] where Self.isHostCdrom(call) {
            guard case .object(let options)? = call.arguments.dropFirst().first else { continue }
            volumes.append(.cdrom(hostFile: options["path"]?.string, bus: options["bus"]?.string ?? "sata"))
        }
        if context.seed != nil {
            volumes.append(.init(pool: pool.name, volume: domainName + "-seed.iso", format: "raw", bus: "virtio", readOnly: true))
        }
        let restrict =
            environment["BOXER_QEMU_RESTRICT"].map { $0 == "1" || $0 == "true" } ?? (settings["restrict"]?.bool ?? false)
        // On a remote host the ports are the host's loopback ones, reached through SSH.
        let forwards = context.forwards.map { forward -> PortForward in
            var forward = forward
            if host.isRemote || forward.hostIP == "0.0.0.0" { forward.hostIP = "127.0.0.1" }
            return forward
        }
        var definition = LibvirtDomainXML(
            name: domainName, uuid: id, type: type, arch: arch, machineType: machineType,
            memoryMiB: context.machine.providers["libvirt"]?.memory ?? 512, cpus: context.machine.providers["libvirt"]?.cpus ?? 1,
            cpuMode: cpuMode, cpuModel: cpuModel, disks: volumes, natMAC: macAddress(forMachine: id, nic: 1),
            forwards: forwards, restrictNAT: restrict)
        if let loader = settings["loader"]?.string {
            definition.loader = loader
            definition.nvramTemplate = settings["nvram"]?.string
        } else if arch == "aarch64" || settings["firmware"]?.string == "uefi" {
            definition.firmwareEFI = true
        }
        if let network = context.internalNetwork {
            definition.internalMAC = network.mac
            definition.internalPort = nic2Port(context, id: id)
        }
        if let model = settings["nic_model_type"]?.string {
            definition.nicModel = model
            definition.natModel = model
        }
        definition.shares = context.shares
        if let model = settings["disk_controller_model"]?.string { definition.scsiControllerModel = model }
        definition.graphicsType = settings["graphics_type"]?.string
        definition.videoType = settings["video_type"]?.string
        // The serial console goes to a file beside the machine's disk: the pool's folder exists on
        // every host (libvirt's own log folder may not, before its first domain), and the file
        // goes with the machine's volumes.
        if let disk = try pool.volume(named: domainName + ".qcow2") {
            definition.consoleLog = HostFiles.parent(of: try disk.path()) + "/" + domainName + "-console.log"
        }
        for call in context.machine.providers["libvirt"]?.calls ?? [] {
            switch call.name {
            case "boot":
                // vagrant-libvirt's `boot 'hd'`, `'cdrom'`, `'network'`.
                if let device = call.arguments.first?.string, ["hd", "cdrom", "network", "fd"].contains(device) {
                    definition.bootDevices.append(device)
                }
            case "qemuargs":
                if case .object(let pairs)? = call.arguments.first, let value = pairs["value"]?.string {
                    definition.extraArguments.append(value)
                }
            default: break
            }
        }
        return definition
    }
}
