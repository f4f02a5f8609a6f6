import BoxerSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

@Suite struct QEMUCommandLineTests {
    static func line(
        architecture: String = "amd64", accelerator: QEMUHost.Accelerator = .tcg, firmware: QEMUCommandLine.Firmware = .bios,
        restrict: Bool = true
    ) -> QEMUCommandLine {
        QEMUCommandLine(
            binary: "/usr/bin/qemu-system-x86_64", guestArchitecture: architecture, accelerator: accelerator, name: "web",
            memoryMiB: 512, cpus: 2, disk: "/p/.vagrant/machines/web/qemu/disk.qcow2", seed: "/p/seed,1.iso", firmware: firmware,
            forwards: [
                PortForward(id: "ssh", hostIP: "127.0.0.1", host: 2222, guest: 22, proto: "tcp"),
                PortForward(id: "tcp8080", hostIP: "127.0.0.1", host: 8080, guest: 80, proto: "tcp"),
            ],
            restrictNAT: restrict, natMAC: "52:54:00:12:34:56",
            internalNetwork: InternalNetworkAttachment(endpoint: "/run/ports/525400abcdef.sock", mac: "52:54:00:ab:cd:ef", subnet: 7),
            qmpSocket: "/run/qmp.sock", consoleLog: "/p/console.log", pidFile: "/p/qemu.pid", extraArguments: ["-s"])
    }

    /// With data disks (`config.vm.disk`), every disk is a device of its own, the primary first
    /// and the one the firmware boots, each data disk with its name as the serial.
    @Test func dataDisksComeAfterThePrimaryWithTheirNames() {
        var line = Self.line()
        line.dataDisks = [("/p/disk-data1.qcow2", "data1")]
        line.images = ["/p/tools.iso"]
        let text = line.arguments.joined(separator: " ")
        #expect(
            text.contains(
                "-drive file=/p/.vagrant/machines/web/qemu/disk.qcow2,if=none,id=primary,format=qcow2,discard=unmap -device virtio-blk-pci,drive=primary,bootindex=0 -drive file=/p/seed,,1.iso,if=none,id=seed,format=raw,readonly=on -device virtio-blk-pci,drive=seed -drive file=/p/disk-data1.qcow2,if=none,id=data0,format=qcow2,discard=unmap -device virtio-blk-pci,drive=data0,serial=data1 -drive file=/p/tools.iso,if=none,id=image0,format=raw,readonly=on -device virtio-blk-pci,drive=image0"
            ), "\(text)")
        #expect(!text.contains("if=virtio"))
    }

    /// vm-bootstrap's server: a guestfwd rule on NIC1, its command's commas doubled, the file
    /// quoted for the shell QEMU runs it with.
    @Test func theBootstrapScriptIsServedThroughGuestfwd() throws {
        var line = Self.line()
        line.guestForwards = [(BootstrapServer.address, BootstrapServer.port, BootstrapServer.command(serving: "/p/a,b it's.sh"))]
        let netdev = try #require(line.arguments.first { $0.hasPrefix("user,id=nat") })
        #expect(netdev.contains(",restrict=on,") && netdev.contains(",guestfwd=tcp:10.0.2.100:80-cmd:sh -c "), "\(netdev)")
        #expect(netdev.hasSuffix(" vm-bootstrap '/p/a,,b it'\\''s.sh'"), "\(netdev)")
    }

    @Test func x86WithTCGAndBIOS() {
        let arguments = Self.line().arguments
        #expect(
            arguments.joined(separator: " ")
                == [
                    "-name boxer-web,process=boxer-web", "-machine q35", "-accel tcg -m 512M -smp 2",
                    "-drive file=/p/.vagrant/machines/web/qemu/disk.qcow2,if=virtio,format=qcow2,discard=unmap",
                    "-drive file=/p/seed,,1.iso,if=virtio,format=raw,readonly=on",
                    "-device virtio-rng-pci",
                    "-netdev user,id=nat,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=tcp:127.0.0.1:8080-:80",
                    "-device virtio-net-pci,netdev=nat,mac=52:54:00:12:34:56",
                    "-netdev stream,id=internal,server=on,addr.type=unix,addr.path=/run/ports/525400abcdef.sock",
                    "-device virtio-net-pci,netdev=internal,mac=52:54:00:ab:cd:ef",
                    "-qmp unix:/run/qmp.sock,server=on,wait=off",
                    "-chardev file,id=console,path=/p/console.log -serial chardev:console",
                    "-display none -daemonize -pidfile /p/qemu.pid -s",
                ].joined(separator: " "))
    }

    @Test func sharedFoldersAreVirtFS() {
        var line = Self.line()
        line.shares = [SharedFolder(tag: "boxer0", hostPath: "/home/me/project", guestPath: "/vagrant")]
        #expect(
            line.arguments.joined(separator: " ").contains(
                "-virtfs local,path=/home/me/project,mount_tag=boxer0,security_model=mapped-xattr,id=boxer0 -device virtio-rng-pci"))
    }

    @Test func kvmUsesTheHostCPUAndUnrestrictedNAT() {
        let arguments = Self.line(accelerator: .kvm, restrict: false).arguments.joined(separator: " ")
        #expect(arguments.contains("-machine q35 -cpu host -accel kvm"))
        #expect(arguments.contains("-netdev user,id=nat,hostfwd="))
    }

    @Test func arm64UsesVirtAndUEFIWithItsOwnVariables() {
        let arguments = Self.line(architecture: "arm64", firmware: .uefi(code: "/usr/share/AAVMF/AAVMF_CODE.fd", vars: "/p/efivars.fd"))
            .arguments.joined(separator: " ")
        #expect(arguments.contains("-machine virt -cpu cortex-a72 -accel tcg"))
        #expect(
            arguments.contains(
                "-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/AAVMF/AAVMF_CODE.fd -drive if=pflash,format=raw,unit=1,file=/p/efivars.fd"
            ))
    }

    @Test func acceleratorFollowsTheHostAndTheOverride() {
        let host = QEMUHost(environment: ["BOXER_HOST_ARCHITECTURE": "amd64"])
        #expect(host.accelerator(for: "arm64").0 == .tcg, "another architecture is emulated")
        #expect(host.accelerator(for: "arm64").1.contains("emulated"))
        #expect(host.accelerator(for: "amd64", requested: "kvm").0 == .kvm)
        #expect(QEMUHost(environment: ["BOXER_HOST_ARCHITECTURE": "amd64", "BOXER_QEMU_ACCEL": "tcg"]).accelerator(for: "amd64").0 == .tcg)
        // On this host: KVM only when it really works (kvm_pvm does not count).
        let (chosen, reason) = host.accelerator(for: "amd64")
        if HostFiles.kind(of: "/sys/module/kvm_pvm") == .directory { #expect(chosen == .tcg && reason.contains("kvm_pvm")) }
        #expect(!reason.isEmpty)
    }

    @Test func macAddressesAreStableAndLocal() {
        let mac = QEMUProvider.mac(for: "abc", nic: 1)
        #expect(mac == QEMUProvider.mac(for: "abc", nic: 1))
        #expect(mac != QEMUProvider.mac(for: "abc", nic: 2))
        #expect(mac.hasPrefix("52:54:00:") && mac.count == 17)
    }
}
