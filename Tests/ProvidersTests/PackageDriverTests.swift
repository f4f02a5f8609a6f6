import BoxArchive
import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import ProviderStandIns
@testable import Providers

/// `boxer package` as the VirtualBox, VMware and Parallels drivers write a box, against the
/// STAND-INS of their tools (none can be installed here): the calls, the files in Vagrant's
/// layout for that provider, and the box that results taken by `boxer box add`.
@Suite struct PackageDriverTests {
    /// Writes the packaged folder as a box (with the metadata the provider gave) and adds it.
    static func boxAdds(_ folder: URL, _ packaged: PackagedBox, temporary: TemporaryFolder) throws {
        var metadata: [String: Any] = ["provider": packaged.provider, "architecture": "amd64"]
        if let format = packaged.format { metadata["format"] = format }
        try JSONSerialization.data(withJSONObject: metadata).write(to: folder.appendingPathComponent("metadata.json"))
        let box = temporary.url.appendingPathComponent("\(packaged.provider).box")
        try BoxWriter().write(folder: folder, to: box)
        let added = try ProgramRun.boxer(["box", "add", "mine/\(packaged.provider)", box.path], home: try temporary.folder("store"))
        #expect(added.status == 0, "\(added.output)\(added.error)")
    }

    @Test func virtualBoxExportsTheVM() async throws {
        var web = try VirtualBoxDriverTests.Machine()
        let id = try await web.create()
        try VMwareParallelsDriverTests.seed(&web.context)
        try await web.provider.start(web.context)
        try await web.provider.stop(web.context, force: true, timeout: 1)
        let folder = try web.temporary.folder("package")
        let packaged = try await web.provider.packageBox(web.context, into: folder.path, compressImage: false)
        #expect(web.vboxmanage.calls.contains(["export", id, "--output", folder.path + "/box.ovf"]))
        #expect(packaged.provider == "virtualbox")
        #expect(packaged.vagrantfile?.contains("config.vm.base_mac") == true)
        #expect(FileManager.default.fileExists(atPath: folder.path + "/box-disk001.vmdk"))
        try Self.boxAdds(folder, packaged, temporary: web.temporary)
    }

    @Test func vmwareCopiesAFullCloneWithoutThisMachinesSettings() async throws {
        let temporary = try TemporaryFolder("boxer-vmware-package")
        let vmrun = VMRunStandIn()
        let provider = VMwareProvider(home: BoxerHome(root: try temporary.folder("home")), tool: vmrun, hostType: "ws")
        var context = try VMwareParallelsDriverTests.context(temporary, format: "vmware_desktop", provider: provider.name)
        let vmx = try await provider.create(context)
        try context.folder.write("id", vmx)
        try VMwareParallelsDriverTests.seed(&context)
        try await provider.start(context)
        try await provider.stop(context, force: true, timeout: 1)
        let folder = try temporary.folder("package")
        let packaged = try await provider.packageBox(context, into: folder.path, compressImage: false)
        #expect(vmrun.calls.contains { $0.contains("clone") && $0.contains("full") && $0.contains(folder.path + "/box.vmx") })
        let file = try VMXFile.read(folder.path + "/box.vmx")
        #expect(file["serial0.present"] == nil && file["ethernet0.address"] == nil && file["ethernet0.addressType"] == "generated")
        #expect(!file.text.contains(context.folder.path), "nothing of the machine's folder is named in the box")
        try Self.boxAdds(folder, packaged, temporary: temporary)
    }

    @Test func parallelsClonesATemplate() async throws {
        let temporary = try TemporaryFolder("boxer-parallels-package")
        let parallels = ParallelsStandIn()
        let provider = ParallelsProvider(
            home: BoxerHome(root: try temporary.folder("home")), prlctl: parallels.prlctl, prlsrvctl: parallels.prlsrvctl)
        var context = try VMwareParallelsDriverTests.context(temporary, format: "parallels", provider: provider.name)
        let id = try await provider.create(context)
        try context.folder.write("id", id)
        try VMwareParallelsDriverTests.seed(&context)
        let folder = try temporary.folder("package")
        let before = parallels.vms.count
        let packaged = try await provider.packageBox(context, into: folder.path, compressImage: false)
        #expect(parallels.calls.contains { $0.contains("--template") && $0.contains(folder.path) })
        #expect(FileManager.default.fileExists(atPath: folder.path + "/box.pvm/config.pvs"))
        #expect(parallels.vms.count == before, "the template is unregistered again")
        try Self.boxAdds(folder, packaged, temporary: temporary)
    }
}
