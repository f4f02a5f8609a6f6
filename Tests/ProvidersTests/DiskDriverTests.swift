import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import ProviderStandIns
@testable import Providers

/// `config.vm.disk` as the VirtualBox, VMware and Parallels drivers carry it out, against the
/// STAND-INS of their tools (VBoxManage; vmrun and vmware-vdiskmanager; prlctl and
/// prl_disk_tool), none of which can be installed here: the calls in order, the devices the
/// VMs end up with, and nothing done twice on the next start.
@Suite struct DiskDriverTests {
    static func disks(_ provider: String, block: String = "", primary: String = "40GB") -> String {
        """
        Vagrant.configure("2") do |c|
          c.vm.box = "b"
          c.vm.disk :disk, size: "\(primary)", primary: true
          c.vm.disk :disk, name: "data1", size: "2GB"
          c.vm.disk :disk, name: "scratch", size: "512MB"
          c.vm.disk :dvd, name: "tools", file: "./tools.iso"
          c.vm.provider "\(provider)" do |p|
            \(block)
          end
        end
        """
    }

    static func iso(in context: MachineContext) throws -> String {
        let iso = context.folder.projectRoot + "/tools.iso"
        try Data("iso".utf8).write(to: URL(fileURLWithPath: iso))
        return iso
    }

    @Test func virtualBoxResizesTheBoxDiskAsAVDIAndAttachesNewOnes() async throws {
        var web = try VirtualBoxDriverTests.Machine(Self.disks("virtualbox"))
        let iso = try Self.iso(in: web.context)
        let id = try await web.create()
        try VMwareParallelsDriverTests.seed(&web.context)
        let before = web.vboxmanage.calls.count
        try await web.provider.start(web.context)
        let calls = Array(web.vboxmanage.calls[before...]).filter {
            ["createmedium", "clonemedium", "modifymedium"].contains($0[0])
                || ($0[0] == "storageattach" && !$0.contains(web.context.seed ?? ""))
        }
        let folder = web.context.folder
        let boxDisk = try #require(web.context.box).path + "/box-disk001.vmdk"
        #expect(
            calls == [
                ["clonemedium", "disk", boxDisk, folder.file("primary.vdi"), "--format", "VDI"],
                [
                    "storageattach", id, "--storagectl", "SATA Controller", "--port", "0", "--device", "0", "--type", "hdd", "--medium",
                    folder.file("primary.vdi"),
                ],
                ["modifymedium", "disk", folder.file("primary.vdi"), "--resizebyte", String(40 << 30)],
                ["createmedium", "disk", "--filename", folder.file("disk-data1.vdi"), "--sizebyte", String(2 << 30), "--format", "VDI"],
                [
                    "storageattach", id, "--storagectl", "SATA Controller", "--port", "2", "--device", "0", "--type", "hdd", "--medium",
                    folder.file("disk-data1.vdi"),
                ],
                [
                    "createmedium", "disk", "--filename", folder.file("disk-scratch.vdi"), "--sizebyte", String(512 << 20), "--format",
                    "VDI",
                ],
                [
                    "storageattach", id, "--storagectl", "SATA Controller", "--port", "3", "--device", "0", "--type", "hdd", "--medium",
                    folder.file("disk-scratch.vdi"),
                ],
                [
                    "storageattach", id, "--storagectl", "SATA Controller", "--port", "4", "--device", "0", "--type", "dvddrive",
                    "--medium", iso,
                ],
            ], "the seed keeps port 1; the disks take the ports after it")
        #expect(web.vboxmanage.medium(folder.file("primary.vdi"))?.bytes == 40 << 30)
        let vm = try #require(web.vboxmanage.machine(id))
        #expect(vm.media["SATA Controller:1:0"] == web.context.seed)

        // The next start makes nothing again.
        try await web.provider.stop(web.context, force: true, timeout: 1)
        let again = web.vboxmanage.calls.count
        try await web.provider.start(web.context)
        #expect(!web.vboxmanage.calls[again...].contains { ["createmedium", "clonemedium", "modifymedium"].contains($0[0]) })
    }

    @Test func vmwareMakesDataDisksAndGrowsOnlyAFullClone() async throws {
        let temporary = try TemporaryFolder("boxer-vmware-disks")
        let vmrun = VMRunStandIn()
        let vdisk = VDiskManagerStandIn()
        let provider = VMwareProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vmrun, hostType: "ws", diskManager: vdisk)
        var context = try VMwareParallelsDriverTests.context(
            temporary, format: "vmware_desktop", provider: provider.name,
            vagrantfile: Self.disks("vmware_desktop", block: "p.linked_clone = false"))
        let iso = try Self.iso(in: context)
        let vmx = try await provider.create(context)
        try context.folder.write("id", vmx)
        #expect(vmrun.calls.contains { $0.contains("clone") && $0.contains("full") })
        try VMwareParallelsDriverTests.seed(&context)
        try await provider.start(context)
        let folder = context.folder
        let primary = HostFiles.parent(of: vmx) + "/disk-cl1.vmdk"
        #expect(
            vdisk.calls == [
                ["-x", "40960MB", primary],
                ["-c", "-s", "2048MB", "-a", "lsilogic", "-t", "0", folder.file("disk-data1.vmdk")],
                ["-c", "-s", "512MB", "-a", "lsilogic", "-t", "0", folder.file("disk-scratch.vmdk")],
            ])
        let file = try VMXFile.read(vmx)
        #expect(file["scsi0.present"] == "TRUE" && file["scsi0.virtualDev"] == "lsilogic")
        #expect(file["scsi0:0.fileName"] == folder.file("disk-data1.vmdk") && file["scsi0:1.fileName"] == folder.file("disk-scratch.vmdk"))
        let dvd = try #require(["sata1:1", "sata1:2"].first { file["\($0).fileName"] == iso })
        #expect(file["\(dvd).deviceType"] == "cdrom-image" && dvd != folder.read("seed_slot"))
        #expect(vdisk.sizes[primary] == 40 << 30)

        try await provider.stop(context, force: true, timeout: 1)
        try await provider.start(context)
        #expect(vdisk.calls.count == 3, "nothing is made twice")
    }

    @Test func vmwareAndParallelsRefuseToGrowALinkedClone() async throws {
        let temporary = try TemporaryFolder("boxer-linked-disks")
        let vmrun = VMRunStandIn()
        let vdisk = VDiskManagerStandIn()
        let vmware = VMwareProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vmrun, hostType: "ws", diskManager: vdisk)
        var context = try VMwareParallelsDriverTests.context(
            temporary, format: "vmware_desktop", provider: vmware.name,
            vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\"; c.vm.disk :disk, size: \"40GB\", primary: true }")
        let vmx = try await vmware.create(context)
        try context.folder.write("id", vmx)
        try VMwareParallelsDriverTests.seed(&context)
        await #expect { try await vmware.start(context) } throws: { "\($0)".contains("set v.linked_clone = false") }
        #expect(vdisk.calls.isEmpty && vmrun.running.isEmpty, "refused before anything was changed or started")

        let parallels = ParallelsStandIn()
        let prl = ParallelsProvider(
            home: BoxerHome(root: try temporary.folder("home-prl")), prlctl: parallels.prlctl, prlsrvctl: parallels.prlsrvctl,
            diskTool: parallels.prlDiskTool)
        var prlContext = try VMwareParallelsDriverTests.context(
            temporary, format: "parallels", provider: prl.name, name: "db",
            vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\"; c.vm.disk :disk, size: \"40GB\", primary: true }")
        let id = try await prl.create(prlContext)
        try prlContext.folder.write("id", id)
        try VMwareParallelsDriverTests.seed(&prlContext)
        await #expect { try await prl.start(prlContext) } throws: { "\($0)".contains("set prl.linked_clone = false") }
        #expect(!parallels.calls.contains { $0.first == "prl_disk_tool" })
    }

    @Test func parallelsAddsDisksAndGrowsAFullClone() async throws {
        let temporary = try TemporaryFolder("boxer-parallels-disks")
        let parallels = ParallelsStandIn()
        let provider = ParallelsProvider(
            home: BoxerHome(root: try temporary.folder("home")), prlctl: parallels.prlctl, prlsrvctl: parallels.prlsrvctl,
            diskTool: parallels.prlDiskTool)
        var context = try VMwareParallelsDriverTests.context(
            temporary, format: "parallels", provider: provider.name,
            vagrantfile: Self.disks("parallels", block: "p.linked_clone = false", primary: "80GB"))
        let iso = try Self.iso(in: context)
        let id = try await provider.create(context)
        try context.folder.write("id", id)
        #expect(parallels.calls.contains { $0.first == "prlctl" && $0.dropFirst().first == "clone" && !$0.contains("--linked") })
        try VMwareParallelsDriverTests.seed(&context)
        try await provider.start(context)
        let folder = context.folder
        let bundle = try #require(parallels.vm(id.trimmingCharacters(in: CharacterSet(charactersIn: "{}")))).home
        let diskCalls = parallels.calls.filter { $0.first == "prl_disk_tool" || $0.contains("hdd") || $0.contains(iso) }
        #expect(
            diskCalls == [
                ["prl_disk_tool", "resize", "--hdd", bundle + "/harddisk.hdd", "--size", "81920M"],
                [
                    "prlctl", "set", id, "--device-add", "hdd", "--image", folder.file("disk-data1.hdd"), "--type", "expand", "--size",
                    "2048",
                ],
                [
                    "prlctl", "set", id, "--device-add", "hdd", "--image", folder.file("disk-scratch.hdd"), "--type", "expand", "--size",
                    "512",
                ],
                ["prlctl", "set", id, "--device-add", "cdrom", "--image", iso, "--connect"],
            ])
        let hardware = try #require(parallels.vm(id.trimmingCharacters(in: CharacterSet(charactersIn: "{}")))).hardware
        #expect(hardware["hdd1"]?["image"] == folder.file("disk-data1.hdd") && hardware["hdd2"]?["size"] == "512")
        #expect(hardware["cdrom0"]?["image"] == context.seed && hardware["cdrom1"]?["image"] == iso, "the seed keeps cdrom0")
        #expect(parallels.diskSizes[bundle + "/harddisk.hdd"] == 80 << 30, "grown from Parallels' 64 GiB")
    }

    /// vagrant-libvirt's `storage` and `machine_virtual_size` in a qemu or libvirt block are
    /// the same plan as `config.vm.disk`.
    @Test func libvirtStorageBecomesDataDisks() throws {
        let project = try TemporaryFolder("boxer-libvirt-storage")
        let iso = project.url.appendingPathComponent("x.iso").path
        try Data("iso".utf8).write(to: URL(fileURLWithPath: iso))
        let machine = try #require(
            try VagrantfileLoader.evaluate(
                source: """
                    Vagrant.configure("2") do |c|
                      c.vm.box = "b"
                      c.vm.provider :libvirt do |l|
                        l.machine_virtual_size = 30
                        l.storage :file, size: "20G", device: "vdb", bus: "virtio"
                        l.storage :file
                        l.storage :file, device: :cdrom, path: "\(iso)"
                      end
                    end
                    """, directory: project.url.path
            ).machines.first)
        let folder = MachineFolder(projectRoot: project.url.path, machineName: "default", provider: "qemu")
        let plan = try DiskPlan(
            machine, folder: folder, root: project.url.path, virtualSizeGB: 30, fileExtension: "qcow2", provider: "qemu",
            libvirtStorage: machine.providers["libvirt"]?.calls ?? [])
        #expect(plan.primaryBytes == 30 << 30 && !plan.primaryIsExplicit)
        #expect(plan.data.map(\.name) == ["vdb", "disk2"] && plan.data.map(\.bytes) == [20 << 30, 10 << 30])
        #expect(plan.data.first?.file == folder.file("disk-vdb.qcow2"))
        #expect(plan.images.map(\.file) == [iso])
    }
}
