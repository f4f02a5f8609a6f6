import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import ProviderStandIns
@testable import Providers

/// The VirtualBox driver's VBoxManage calls, against the VBoxManage STAND-IN (VirtualBox cannot
/// be installed here): what a first `up` runs in order, what the Vagrantfile's settings turn
/// into, and the paths the conformance suite does not take.
@Suite struct VirtualBoxDriverTests {
    struct Machine {
        let temporary: TemporaryFolder
        let vboxmanage = VBoxManageStandIn()
        let provider: VirtualBoxProvider
        var context: MachineContext

        init(_ vagrantfile: String = "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\" }", name: String = "web") throws {
            temporary = try TemporaryFolder("boxer-vbox")
            provider = VirtualBoxProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vboxmanage)
            let box = try StandInBoxes.make(format: "virtualbox", in: try temporary.folder("box"))
            let project = try temporary.folder("project").path
            var machine = try #require(try VagrantfileLoader.evaluate(source: vagrantfile, directory: project).machines.first)
            machine.name = name
            context = MachineContext(
                machine: machine, folder: MachineFolder(projectRoot: project, machineName: name, provider: "virtualbox"), box: box)
        }

        mutating func create() async throws -> String {
            let id = try await provider.create(context)
            try context.folder.write("id", id)
            return id
        }
    }

    @Test func firstUpImportsTheBoxOnceAndLinksAClone() async throws {
        var web = try Machine(
            """
            Vagrant.configure("2") do |c|
              c.vm.box = "b"
              c.vm.provider "virtualbox" do |vb|
                vb.memory = 512
                vb.cpus = 2
                vb.customize ["modifyvm", :id, "--ioapic", "on"]
              end
            end
            """)
        let id = try await web.create()
        let calls = web.vboxmanage.calls
        let ovf = try #require(web.context.box).path + "/box.ovf"
        let master = try #require(calls.first { $0.first == "import" }?.last)
        #expect(
            calls.prefix(4).map { $0 } == [
                ["list", "vms"],
                ["import", ovf, "--vsys", "0", "--vmname", master],
                ["snapshot", master, "take", "boxer-base", "--description", "boxer: linked clones start here"],
                ["clonevm", master, "--snapshot", "boxer-base", "--options", "link", "--name", calls[3][7], "--register"],
            ])
        #expect(calls[3][7].hasPrefix("project_web_"), "named like Vagrant's VMs: project_machine_time_random")
        #expect(
            calls.contains([
                "modifyvm", id, "--uart1", "0x3F8", "4", "--uartmode1", "file", web.context.folder.file("console.log"), "--memory", "512",
                "--cpus", "2",
            ]))
        // The seed goes on the box's own SATA controller, given a second port (VirtualBox's
        // default chipset refuses a second SATA controller).
        #expect(calls.last == ["storagectl", id, "--name", "SATA Controller", "--portcount", "2"])

        // Start: NAT rules, NIC2 on the environment's intnet, the seed DVD, then the customize
        // call with :id replaced, then startvm.
        web.context.forwards = [
            PortForward(id: "ssh", hostIP: "127.0.0.1", host: 2222, guest: 22, proto: "tcp"),
            PortForward(id: "tcp8080", hostIP: "0.0.0.0", host: 8080, guest: 80, proto: "tcp"),
        ]
        web.context.internalNetwork = InternalNetworkAttachment(endpoint: "boxer-3-0000abcd", mac: "52:54:00:01:02:03", subnet: 3)
        let seed = web.context.folder.file("seed.iso")
        try Data("seed".utf8).write(to: URL(fileURLWithPath: seed))
        web.context.seed = seed
        let before = web.vboxmanage.calls.count
        try await web.provider.start(web.context)
        let startCalls = Array(web.vboxmanage.calls[before...])
        #expect(
            startCalls.contains([
                "modifyvm", id, "--nic1", "nat", "--nic2", "intnet", "--intnet2", "boxer-3-0000abcd", "--macaddress2", "525400010203",
                "--cableconnected2", "on",
                "--natpf1", "ssh,tcp,127.0.0.1,2222,,22", "--natpf1", "tcp8080,tcp,,8080,,80",
            ]))
        #expect(
            startCalls.contains([
                "storageattach", id, "--storagectl", "SATA Controller", "--port", "1", "--device", "0", "--type", "dvddrive", "--medium",
                seed,
            ]))
        #expect(startCalls.suffix(2).map { $0 } == [["modifyvm", id, "--ioapic", "on"], ["startvm", id, "--type", "headless"]])
        let vm = try #require(web.vboxmanage.machine(id))
        #expect(vm.settings["intnet2"] == "boxer-3-0000abcd" && vm.settings["ioapic"] == "on" && vm.settings["cpus"] == "2")
        #expect(vm.extraData["VBoxInternal/Devices/pcbios/0/Config/DmiSystemSerial"] == "ds=nocloud;h=web;i=\(id)")

        // The guest additions report NIC2's address; the driver reads it from there.
        #expect(await web.provider.internalAddress(web.context) == nil)
        web.vboxmanage.setGuestProperty(id, "/VirtualBox/GuestInfo/Net/1/V4/IP", "192.168.3.14")
        #expect(await web.provider.internalAddress(web.context) == "192.168.3.14")

        // A second machine of the same box links to the same master: no second import.
        var db = try Machine(name: "db")
        db.context = MachineContext(
            machine: db.context.machine,
            folder: MachineFolder(projectRoot: web.context.folder.projectRoot, machineName: "db", provider: "virtualbox"),
            box: web.context.box)
        let second = VirtualBoxProvider(home: web.provider.home, tool: web.vboxmanage)
        let secondID = try await second.create(db.context)
        #expect(web.vboxmanage.calls.filter { $0.first == "import" }.count == 1)
        #expect(web.vboxmanage.machine(secondID)?.linkedTo == master)

        // Restarting replaces the old NAT rules rather than adding them twice (which VBoxManage refuses).
        try await web.provider.stop(web.context, force: true, timeout: 0)
        try await web.provider.start(web.context)
        #expect(web.vboxmanage.machine(id)?.natRules.count == 2)
        #expect(web.vboxmanage.calls.contains(["modifyvm", id, "--natpf1", "delete", "ssh"]))
    }

    @Test func aGuestThatIgnoresThePowerButtonIsPoweredOffAfterTheTimeout() async throws {
        var machine = try Machine()
        let id = try await machine.create()
        try await machine.provider.start(machine.context)
        machine.vboxmanage.guestIgnoresPowerButton = true
        let started = Date()
        try await machine.provider.stop(machine.context, force: false, timeout: 1)
        #expect(Date().timeIntervalSince(started) >= 1)
        #expect(machine.vboxmanage.calls.contains(["controlvm", id, "acpipowerbutton"]))
        #expect(machine.vboxmanage.calls.last == ["controlvm", id, "poweroff"])
        #expect(await machine.provider.state(machine.context) == .poweroff)
    }

    @Test func savedAbortedAndDeletedMachines() async throws {
        var machine = try Machine()
        let id = try await machine.create()
        try await machine.provider.start(machine.context)
        try await machine.provider.suspend(machine.context)
        #expect(machine.vboxmanage.machine(id)?.state == "saved")
        #expect(await machine.provider.state(machine.context) == .paused)
        // Halting a saved machine discards its saved state (there is no guest to ask).
        try await machine.provider.stop(machine.context, force: false, timeout: 5)
        #expect(machine.vboxmanage.calls.last == ["discardstate", id])
        #expect(await machine.provider.state(machine.context) == .poweroff)

        try await machine.provider.start(machine.context)
        machine.vboxmanage.crash(id)
        #expect(await machine.provider.state(machine.context) == .aborted)
        try await machine.provider.start(machine.context)
        #expect(await machine.provider.state(machine.context) == .running)

        try await machine.provider.destroy(machine.context)
        #expect(machine.vboxmanage.machine(id) == nil)
        // Deleted behind boxer's back (in the VirtualBox GUI): not created, as Vagrant says.
        #expect(await machine.provider.state(machine.context) == .notCreated)
        try await machine.provider.destroy(machine.context)
    }

    /// A VBoxManage that fails or hangs says nothing about the machine: it is "aborted" (so
    /// that `up` does not make a second VM and `destroy` does not forget the first), and a hung
    /// call is stopped when its time is up.
    @Test func aFailingOrHangingVBoxManageIsNotADeletedMachine() async throws {
        var machine = try Machine()
        let id = try await machine.create()
        machine.vboxmanage.serviceDown = true
        #expect(await machine.provider.state(machine.context) == .aborted)
        machine.vboxmanage.serviceDown = false
        #expect(await machine.provider.state(machine.context) == .poweroff)

        var provider = machine.provider
        provider.queryTimeout = 1
        machine.vboxmanage.hanging = ["showvminfo", "startvm"]
        let started = Date()
        #expect(await provider.state(machine.context) == .aborted)
        #expect(Date().timeIntervalSince(started) < 10)
        do throws(MachineError) {
            try await machine.vboxmanage.check(["startvm", id, "--type", "headless"], doing: "start it", timeout: 1)
            Issue.record("a hung call should fail")
        } catch {
            #expect(error.message.contains("did not finish within 1 s and was stopped"), "\(error.message)")
        }
    }

    /// A box without a SATA controller gets one of boxer's own for the seed.
    @Test func aBoxWithoutSATAGetsAControllerForTheSeed() async throws {
        let machine = try Machine()
        machine.vboxmanage.register(vm: "bare")
        let slot = try await machine.provider.seedSlot("bare", tool: machine.vboxmanage)
        #expect(slot.controller == "boxer seed" && slot.port == 0)
        #expect(machine.vboxmanage.machine("bare")?.controllers == ["boxer seed": 1])
    }

    @Test func refusalsSayWhatToDo() async throws {
        let machine = try Machine()
        let missing = VirtualBoxProvider(home: machine.provider.home, tool: nil)
        #expect(throws: MachineError.self) { try missing.checkUsable() }
        do {
            try missing.checkUsable()
        } catch {
            #expect(error.message.contains("VBoxManage is not installed") && error.message.contains("--provider qemu"))
        }
        // A libvirt box has no box.ovf.
        var context = machine.context
        context.box = try StandInBoxes.make(format: "libvirt", in: try machine.temporary.folder("other"))
        await #expect(throws: MachineError.self) { _ = try await machine.provider.create(context) }
        #expect(machine.vboxmanage.calls.isEmpty, "nothing is imported from a box of another provider")
    }
}
