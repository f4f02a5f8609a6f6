import BoxerTestSupport
import Foundation
import Testing

/// `boxer box publish` of four builds (versions 1.0.0 and 1.1.0, amd64 and arm64, each with the
/// catalog `boxer build` writes) into one catalog, read by boxer and by Debian's real Vagrant.
@Suite struct BoxPublishTests {
    @Test func fourBuildsMakeOneCatalogThatVagrantReads() throws {
        let temporary = try TemporaryFolder("boxer-publish")
        let home = try temporary.folder("home")
        var sources: [String] = []
        for version in ["1.0.0", "1.1.0"] {
            for architecture in ["arm64", "amd64"] {
                // A small libvirt box and its build catalog, as `boxer build --output` leaves them.
                let output = try temporary.folder("build-\(version)-\(architecture)")
                let folder = try temporary.folder("box-\(version)-\(architecture)")
                try Data(
                    "{\"provider\": \"libvirt\", \"format\": \"qcow2\", \"virtual_size\": 1, \"architecture\": \"\(architecture)\"}".utf8
                ).write(to: folder.appendingPathComponent("metadata.json"))
                #expect(
                    try ProgramRun.run("qemu-img", ["create", "-q", "-f", "qcow2", folder.appendingPathComponent("box.img").path, "16M"])
                        .status == 0)
                let box = output.appendingPathComponent("tiny-\(architecture)-\(version).box")
                let pack = try ProgramRun.boxer(["box", "pack", folder.path, "--output", box.path], home: home)
                #expect(pack.status == 0, "\(pack.error)")
                let sha512 = try #require(
                    try ProgramRun.run("sha512sum", [box.path]).output.split(separator: " ").first.map(String.init))
                let catalog = """
                    {"name": "acme/tiny", "versions": [{"version": "\(version)", "providers": [{"name": "libvirt", \
                    "url": "\(box.absoluteString)", "checksum_type": "sha512", "checksum": "\(sha512)", \
                    "architecture": "\(architecture)", "default_architecture": true}]}]}
                    """
                try Data(catalog.utf8).write(to: output.appendingPathComponent("tiny-\(architecture).json"))
                sources.append(output.path)
            }
        }
        let merged = temporary.path("catalog.json").path
        let publish = try ProgramRun.boxer(["box", "publish"] + sources + ["--catalog", merged], home: home)
        #expect(publish.status == 0, "\(publish.output)\(publish.error)")
        #expect(publish.output.contains("Added acme/tiny v1.1.0 libvirt (arm64)"), "\(publish.output)")
        let again = try ProgramRun.boxer(["box", "publish", sources[3], "--catalog", merged], home: home)
        #expect(again.output.contains("Replaced acme/tiny v1.1.0 libvirt (amd64)"), "publishing a build again replaces its entry")

        // boxer: the version and the architecture asked for.
        let add = try ProgramRun.boxer(["box", "add", merged, "--box-version", "1.0.0", "--architecture", "arm64"], home: home)
        #expect(add.status == 0, "\(add.output)\(add.error)")
        let list = try ProgramRun.boxer(["box", "list"], home: home).output
        #expect(list.contains("acme/tiny (libvirt, 1.0.0, arm64)"), "\(list)")

        // Debian's Vagrant 2.3.4 knows no architectures: it keeps each version's last entry for a
        // provider, the default one, which is amd64 for both versions here.
        guard ProgramRun.find("vagrant") != nil else { return }
        let vagrantHome = try temporary.folder("vagrant.d")
        for version in ["1.0.0", "1.1.0"] {
            let added = try ProgramRun.vagrant(
                ["box", "add", merged, "--box-version", version, "--provider", "libvirt"], home: vagrantHome, directory: temporary.url)
            #expect(added.status == 0, "vagrant box add --box-version \(version): \(added.output)\(added.error)")
            let metadata = vagrantHome.appendingPathComponent("boxes/acme-VAGRANTSLASH-tiny/\(version)/libvirt/metadata.json")
            let text = (try? String(contentsOf: metadata, encoding: .utf8)) ?? ""
            #expect(text.contains("\"architecture\": \"amd64\""), "\(version): the default architecture's box: \(text)")
        }
        let vagrantList = try ProgramRun.vagrant(["box", "list"], home: vagrantHome, directory: temporary.url).output
        #expect(vagrantList.contains("acme/tiny (libvirt, 1.0.0)") && vagrantList.contains("acme/tiny (libvirt, 1.1.0)"), "\(vagrantList)")
    }
}
