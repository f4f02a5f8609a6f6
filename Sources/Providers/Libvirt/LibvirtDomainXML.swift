import Machines

/// The domain XML boxer defines for one machine: a value, so tests check exactly what libvirt
/// is given. Settings follow vagrant-libvirt's names (`cpus`, `memory`, `machine_type`,
/// `cpu_mode`, `loader`, `nvram`, `graphics_type`, `video_type`, `disk_bus`,
/// `nic_model_type`, `qemuargs`).
struct LibvirtDomainXML: Sendable, Equatable {
    struct Disk: Sendable, Equatable {
        var pool: String
        var volume: String
        var format: String
        /// "disk" or "cdrom".
        var device = "disk"
        var bus = "virtio"
        var readOnly = false
        var serial: String?
        /// A file on the host rather than a volume (vagrant-libvirt's `storage :file, device:
        /// :cdrom, path:`); a cdrom with neither is an empty drive.
        var hostFile: String?

        static func cdrom(hostFile: String?, bus: String) -> Disk {
            Disk(pool: "", volume: "", format: "raw", device: "cdrom", bus: bus, readOnly: true, hostFile: hostFile)
        }
    }

    var name: String
    var uuid: String
    /// "kvm" where the host can, else "qemu" (TCG).
    var type: String
    /// libvirt's architecture name (x86_64, aarch64).
    var arch: String
    var machineType: String
    var memoryMiB: Int
    var cpus: Int
    /// `cpu_mode`: host-passthrough, host-model, custom; nil lets libvirt choose (TCG's default CPU).
    var cpuMode: String?
    var cpuModel: String?
    /// UEFI firmware code (`loader`) and the variables file libvirt keeps (`nvram` template).
    var loader: String?
    var nvramTemplate: String?
    /// UEFI firmware as the host's libvirt finds it (`<os firmware="efi">`): the paths differ
    /// from host to host.
    var firmwareEFI = false
    var disks: [Disk]
    /// NIC1: QEMU user networking with SSH (and the forwarded ports) on the host's loopback.
    var natMAC: String
    var natModel = "virtio"
    var forwards: [PortForward]
    var restrictNAT: Bool
    /// NIC2: a TCP socket on the host's loopback that boxer's switch reaches (`type='server'`).
    var internalMAC: String?
    var internalPort: Int?
    var nicModel = "virtio"
    var graphicsType: String?
    var videoType: String?
    /// Where the serial console is written on the host, for errors.
    var consoleLog: String?
    var bootDevices: [String] = []
    /// 9p shares (`<filesystem>`): the host folder, its tag and the 9p security model.
    var shares: [SharedFolder] = []
    /// vagrant-libvirt's `disk_controller_model`, for disks and cdroms on the scsi bus.
    var scsiControllerModel = "virtio-scsi"
    /// `qemuargs`, passed through as QEMU arguments.
    var extraArguments: [String] = []

    /// QEMU's device for a libvirt NIC model name.
    static func qemuDevice(forModel model: String) -> String {
        switch model {
        case "virtio": "virtio-net-pci"
        case "e1000": "e1000"
        case "e1000e": "e1000e"
        case "rtl8139": "rtl8139"
        case "ne2k_pci": "ne2k_pci"
        default: model
        }
    }

    /// The root PCI bus QEMU names for the machine type.
    var rootBus: String { machineType.hasPrefix("pc") && !machineType.contains("q35") ? "pci.0" : "pcie.0" }

    /// NIC1 as QEMU arguments. libvirt 9.0 has user networking without port forwards (passt's
    /// `<portForward>` came in 9.2), so the NIC is QEMU's own, with a fixed PCI slot: libvirt
    /// places its devices behind root ports from slot 1 and does not know of this one, and a
    /// NIC on the root bus is enumerated before them, so the guest sees it first (eth0).
    var natArguments: [String] {
        var netdev = "user,id=boxernat"
        if restrictNAT { netdev += ",restrict=on" }
        for forward in forwards {
            netdev += ",hostfwd=\(forward.proto):\(forward.hostIP):\(forward.host)-:\(forward.guest)"
        }
        return [
            "-netdev", netdev, "-device", "\(Self.qemuDevice(forModel: natModel)),netdev=boxernat,mac=\(natMAC),bus=\(rootBus),addr=0x18",
        ]
    }

    var xml: String {
        func escaped(_ text: String) -> String { XMLText.escape(text) }
        var lines = [
            "<domain type=\"\(escaped(type))\" xmlns:qemu=\"http://libvirt.org/schemas/domain/qemu/1.0\">",
            "  <name>\(escaped(name))</name>",
            "  <uuid>\(escaped(uuid))</uuid>",
            "  <description>boxer machine</description>",
            "  <memory unit=\"MiB\">\(memoryMiB)</memory>",
            "  <vcpu>\(cpus)</vcpu>",
            firmwareEFI && loader == nil ? "  <os firmware=\"efi\">" : "  <os>",
            "    <type arch=\"\(escaped(arch))\" machine=\"\(escaped(machineType))\">hvm</type>",
        ]
        if let loader {
            lines.append("    <loader readonly=\"yes\" type=\"pflash\">\(escaped(loader))</loader>")
            if let nvramTemplate { lines.append("    <nvram template=\"\(escaped(nvramTemplate))\"/>") }
        }
        for device in bootDevices { lines.append("    <boot dev=\"\(escaped(device))\"/>") }
        lines += ["  </os>", "  <features><acpi/>\(arch == "x86_64" ? "<apic/>" : "<gic version=\"3\"/>")</features>"]
        if let cpuMode {
            if let cpuModel {
                lines.append("  <cpu mode=\"\(escaped(cpuMode))\"><model fallback=\"allow\">\(escaped(cpuModel))</model></cpu>")
            } else {
                lines.append("  <cpu mode=\"\(escaped(cpuMode))\"/>")
            }
        }
        lines += [
            "  <on_poweroff>destroy</on_poweroff>", "  <on_reboot>restart</on_reboot>", "  <on_crash>destroy</on_crash>", "  <devices>",
        ]
        var targets: [String: Int] = [:]
        for disk in disks {
            let prefix = disk.bus == "virtio" ? "vd" : (disk.bus == "scsi" || disk.bus == "sata" || disk.bus == "usb" ? "sd" : "hd")
            let index = targets[prefix, default: 0]
            targets[prefix] = index + 1
            let letter = String(UnicodeScalar(UInt8(97 + min(index, 25))))
            var element = "    <disk type=\"\(disk.volume.isEmpty ? "file" : "volume")\" device=\"\(escaped(disk.device))\">"
            element += "<driver name=\"qemu\" type=\"\(escaped(disk.format))\"\(disk.device == "disk" ? " discard=\"unmap\"" : "")/>"
            if let file = disk.hostFile {
                element += "<source file=\"\(escaped(file))\"/>"
            } else if !disk.volume.isEmpty {
                element += "<source pool=\"\(escaped(disk.pool))\" volume=\"\(escaped(disk.volume))\"/>"
            }
            element += "<target dev=\"\(prefix)\(letter)\" bus=\"\(escaped(disk.bus))\"/>"
            if disk.readOnly { element += "<readonly/>" }
            if let serial = disk.serial { element += "<serial>\(escaped(serial))</serial>" }
            lines.append(element + "</disk>")
        }
        // SCSI disks and cdroms on virtio-scsi, which every Linux guest drives (libvirt's default
        // controller is an LSI one that many do not).
        if disks.contains(where: { $0.bus == "scsi" }) {
            lines.append("    <controller type=\"scsi\" index=\"0\" model=\"\(escaped(scsiControllerModel))\"/>")
        }
        for share in shares {
            // libvirt's names for QEMU's 9p security models.
            let mode =
                switch share.accessMode {
                case "passthrough": "passthrough"
                case "none": "squash"
                default: "mapped"
                }
            lines.append(
                "    <filesystem type=\"mount\" accessmode=\"\(mode)\"><source dir=\"\(escaped(share.hostPath))\"/><target dir=\"\(escaped(share.tag))\"/></filesystem>"
            )
        }
        if let internalMAC, let internalPort {
            lines += [
                "    <interface type=\"server\">", "      <mac address=\"\(escaped(internalMAC))\"/>",
                "      <source address=\"127.0.0.1\" port=\"\(internalPort)\"/>", "      <model type=\"\(escaped(nicModel))\"/>",
                "    </interface>",
            ]
        }
        if let consoleLog {
            lines += [
                "    <serial type=\"file\"><source path=\"\(escaped(consoleLog))\" append=\"on\"/><target port=\"0\"/></serial>"
            ]
        } else {
            lines.append("    <serial type=\"pty\"><target port=\"0\"/></serial>")
        }
        if let graphicsType, graphicsType != "none" {
            lines.append("    <graphics type=\"\(escaped(graphicsType))\" autoport=\"yes\" listen=\"127.0.0.1\"/>")
        }
        if let videoType { lines.append("    <video><model type=\"\(escaped(videoType))\"/></video>") }
        // Entropy: without it the guest's first SSH host key waits seconds for the RNG.
        lines += [
            "    <rng model=\"virtio\"><backend model=\"random\">/dev/urandom</backend></rng>", "  </devices>", "  <qemu:commandline>",
        ]
        for argument in natArguments + extraArguments { lines.append("    <qemu:arg value=\"\(escaped(argument))\"/>") }
        lines += ["  </qemu:commandline>", "</domain>"]
        return lines.joined(separator: "\n") + "\n"
    }
}
