import Machines

/// The `qemu-system-*` command line for one machine: a value, so tests check exactly what
/// boxer runs.
public struct QEMUCommandLine: Sendable, Equatable {
    public enum Firmware: Sendable, Equatable {
        case bios
        case uefi(code: String, vars: String)
    }

    public var binary: String
    public var guestArchitecture: String
    public var accelerator: QEMUHost.Accelerator
    public var name: String
    public var memoryMiB: Int
    public var cpus: Int
    public var disk: String
    public var seed: String?
    public var shares: [SharedFolder] = []
    public var firmware: Firmware
    public var forwards: [PortForward]
    /// `restrict=on` on the NAT: the guest reaches nothing but the forwarded ports.
    public var restrictNAT: Bool
    public var natMAC: String
    /// NIC2: the environment switch's unix socket (QEMU `-netdev stream,server=on`), with the NIC's MAC.
    public var internalNetwork: InternalNetworkAttachment?
    public var qmpSocket: String
    public var consoleLog: String
    public var pidFile: String
    public var extraArguments: [String]
    /// Data disks (`config.vm.disk`): qcow2 files, each with its name as the virtio serial.
    public var dataDisks: [(file: String, serial: String)] = []
    /// ISOs (`config.vm.disk :dvd`), attached read-only.
    public var images: [String] = []
    /// An installer ISO on a CD-ROM drive (`installer-cd`) that boots before the disk
    /// (`primary-disk`), until the builder ejects it and swaps the boot order.
    public var cdrom: String?
    /// `guestfwd` rules on NIC1: a guest-side address and port whose connections run a command
    /// here (stdin/stdout are the connection), e.g. the vm-bootstrap script's HTTP server.
    public var guestForwards: [(address: String, port: Int, command: String)] = []

    public static func == (lhs: QEMUCommandLine, rhs: QEMUCommandLine) -> Bool {
        lhs.binary == rhs.binary && lhs.arguments == rhs.arguments
    }

    public var arguments: [String] {
        var arguments = ["-name", "boxer-\(name),process=boxer-\(name)"]
        if guestArchitecture == "arm64" {
            arguments += ["-machine", "virt", "-cpu", accelerator == .tcg ? "cortex-a72" : "host"]
        } else {
            arguments += ["-machine", "q35"]
            if accelerator != .tcg { arguments += ["-cpu", "host"] }
        }
        arguments += ["-accel", accelerator.rawValue, "-m", "\(memoryMiB)M", "-smp", "\(cpus)"]
        if case .uefi(let code, let vars) = firmware {
            arguments += [
                "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=\(escaped(code))",
                "-drive", "if=pflash,format=raw,unit=1,file=\(escaped(vars))",
            ]
        }
        if dataDisks.isEmpty && images.isEmpty && cdrom == nil {
            arguments += ["-drive", "file=\(escaped(disk)),if=virtio,format=qcow2,discard=unmap"]
            if let seed { arguments += ["-drive", "file=\(escaped(seed)),if=virtio,format=raw,readonly=on"] }
        } else {
            // With more disks, each is a device of its own, in this order: QEMU places legacy
            // `if=virtio` drives after every -device, so a data disk would come first, be the
            // disk the firmware boots from, and take the guest's /dev/vda.
            arguments += [
                "-drive", "file=\(escaped(disk)),if=none,id=primary,format=qcow2,discard=unmap",
                "-device", "virtio-blk-pci,drive=primary" + (cdrom == nil ? ",bootindex=0" : ",id=primary-disk,bootindex=1"),
            ]
            if let cdrom {
                arguments += [
                    "-drive", "file=\(escaped(cdrom)),if=none,id=installer,media=cdrom,readonly=on",
                    "-device", "ide-cd,drive=installer,id=installer-cd,bootindex=0",
                ]
            }
            if let seed {
                arguments += [
                    "-drive", "file=\(escaped(seed)),if=none,id=seed,format=raw,readonly=on", "-device", "virtio-blk-pci,drive=seed",
                ]
            }
        }
        for (index, disk) in dataDisks.enumerated() {
            arguments += [
                "-drive", "file=\(escaped(disk.file)),if=none,id=data\(index),format=qcow2,discard=unmap",
                "-device", "virtio-blk-pci,drive=data\(index),serial=\(disk.serial)",
            ]
        }
        for (index, image) in images.enumerated() {
            arguments += [
                "-drive", "file=\(escaped(image)),if=none,id=image\(index),format=raw,readonly=on", "-device",
                "virtio-blk-pci,drive=image\(index)",
            ]
        }
        for share in shares {
            arguments += [
                "-virtfs",
                "local,path=\(escaped(share.hostPath)),mount_tag=\(share.tag),security_model=\(share.accessMode),id=\(share.tag)",
            ]
        }
        // Entropy: without it the guest's first SSH host key waits seconds for the RNG.
        arguments += ["-device", "virtio-rng-pci"]
        var nat = "user,id=nat"
        if restrictNAT { nat += ",restrict=on" }
        for forward in forwards {
            nat += ",hostfwd=\(forward.proto):\(forward.hostIP):\(forward.host)-:\(forward.guest)"
        }
        // QEMU's option syntax: a comma inside a value is written twice.
        for forward in guestForwards {
            nat += ",guestfwd=tcp:\(forward.address):\(forward.port)-cmd:" + forward.command.replacingOccurrences(of: ",", with: ",,")
        }
        arguments += ["-netdev", nat, "-device", "virtio-net-pci,netdev=nat,mac=\(natMAC)"]
        if let internalNetwork {
            // QEMU listens and the switch connects: QEMU listens again when the switch goes, so
            // a restarted switch reaches every running machine.
            arguments += [
                "-netdev", "stream,id=internal,server=on,addr.type=unix,addr.path=\(escaped(internalNetwork.endpoint))",
                "-device", "virtio-net-pci,netdev=internal,mac=\(internalNetwork.mac)",
            ]
        }
        arguments += [
            "-qmp", "unix:\(escaped(qmpSocket)),server=on,wait=off",
            "-chardev", "file,id=console,path=\(escaped(consoleLog))", "-serial", "chardev:console",
            "-display", "none", "-daemonize", "-pidfile", pidFile,
        ]
        return arguments + extraArguments
    }

    /// QEMU option values separate fields with commas; a comma in a path is written twice.
    private func escaped(_ path: String) -> String {
        path.replacingOccurrences(of: ",", with: ",,")
    }
}

extension QEMUCommandLine {
    public init(
        binary: String, guestArchitecture: String, accelerator: QEMUHost.Accelerator, name: String, memoryMiB: Int, cpus: Int, disk: String,
        seed: String?, firmware: Firmware, forwards: [PortForward], restrictNAT: Bool, natMAC: String,
        qmpSocket: String, consoleLog: String, pidFile: String
    ) {
        self.init(
            binary: binary, guestArchitecture: guestArchitecture, accelerator: accelerator, name: name, memoryMiB: memoryMiB, cpus: cpus,
            disk: disk, seed: seed, shares: [], firmware: firmware, forwards: forwards, restrictNAT: restrictNAT, natMAC: natMAC,
            internalNetwork: nil, qmpSocket: qmpSocket, consoleLog: consoleLog, pidFile: pidFile, extraArguments: [])
    }
}
