import BoxerTestSupport
import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension MachineSuites {
    /// `boxer build` for real, offline: the Debian 12 + cloud-init test image is served by a
    /// loopback HTTP server as a template's source (the first GET breaks off, so the fetch
    /// resumes; the checksum comes from a SHA256SUMS file), real cloud-init creates the vagrant
    /// user in QEMU, the template's provisioning runs, and the libvirt, VirtualBox, VMware and
    /// Parallels boxes come out with checksums and a catalog (the tools ISOs are not here, and
    /// open-vm-tools cannot be fetched offline: warnings). Then `boxer box add` of the catalog and `boxer up`
    /// of the libvirt box reach SSH as vagrant, with the insecure key replaced.
    @Suite struct BuildEndToEndTests {
        @Test func debianTemplateToBoxesToUp() throws {
            let temporary = try TemporaryFolder("boxer-build")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let image = try temporary.folder("image")
            let extract = try ProgramRun.run("bsdtar", ["-xf", try MachineProject.testBox("debian-amd64"), "-C", image.path, "box.img"])
            try #require(extract.status == 0, "\(extract.error)")
            let body = try Data(contentsOf: image.appendingPathComponent("box.img"), options: .alwaysMapped)
            var digest = [UInt8]()
            let sums = try ProgramRun.run("sha256sum", [image.appendingPathComponent("box.img").path])
            digest = Array(sums.output.prefix(64).utf8)
            let server = try LoopbackHTTPServer()
            server.serve("/cloud/debian-12-test.qcow2", .init(body: body, dropAfter: 50 << 20))
            server.serve(
                "/cloud/SHA256SUMS",
                .init(body: Data("\(String(decoding: digest, as: UTF8.self))  debian-12-test.qcow2\n".utf8), contentType: "text/plain"))
            let template = temporary.path("debian-test.yaml")
            try Data(
                """
                box: test/debian
                version: "1.0.0"
                description: Debian 12 test image
                os: {family: debian, release: "12"}
                architecture: amd64
                source:
                  url: \(server.url("/cloud/debian-12-test.qcow2").absoluteString)
                  checksum_url: \(server.url("/cloud/SHA256SUMS").absoluteString)
                disk_sizes: [4G]
                minimum: {cpus: 1, memory: 768}
                provisioning:
                  - shell: echo "built by boxer" > /etc/boxer-built && echo provisioned as $(id -un)
                providers: [libvirt, virtualbox, vmware_desktop, parallels]

                """.utf8
            ).write(to: template)
            let home = try temporary.folder("home")
            let output = temporary.path("out")
            var environment = ProcessInfo.processInfo.environment
            environment["BOXER_HOME"] = home.path
            environment["BOXER_QEMU_RESTRICT"] = "1"
            let build = try ProgramRun.run(
                binary, ["build", template.path, "--output", output.path, "--level", "1"], environment: environment,
                directory: temporary.url)
            #expect(build.status == 0, "\(build.output)\n\(build.error)")
            #expect(build.output.contains("    debian-test: provisioned as root"), "\(build.output)")
            #expect(server.requests.contains { $0.path == "/cloud/debian-12-test.qcow2" && $0.range != nil }, "the fetch resumed")
            #expect(
                build.error.contains("The vmware_desktop box gets no guest tools"),
                "offline, apt-get cannot fetch open-vm-tools: \(build.error)")

            // What came out: three boxes, checksums that sha512sum and md5sum accept, a catalog.
            let files = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
            #expect(
                files == [
                    "MD5SUM", "MD5SUM.txt", "SHA512SUM", "SHA512SUM.txt", "debian-test-4G-libvirt.box", "debian-test-4G-parallels.box",
                    "debian-test-4G-virtualbox.box",
                    "debian-test-4G-vmware_desktop.box", "debian-test.json",
                ], "\(files)")
            #expect(try ProgramRun.run("sha512sum", ["-c", "SHA512SUM"], directory: output).status == 0)
            #expect(try ProgramRun.run("md5sum", ["-c", "MD5SUM"], directory: output).status == 0)
            let catalog = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("debian-test.json")))
                    as? [String: Any])
            #expect(catalog["name"] as? String == "test/debian")
            let providers = ((catalog["versions"] as? [[String: Any]])?.first?["providers"] as? [[String: Any]]) ?? []
            #expect(Set(providers.compactMap { $0["name"] as? String }) == ["libvirt", "parallels", "virtualbox", "vmware_desktop"])
            #expect(providers.allSatisfy { $0["architecture"] as? String == "amd64" && $0["checksum_type"] as? String == "sha512" })

            // Each box's layout, its disk as qemu-img sees it, and the OVF as XML.
            let unpacked = try temporary.folder("unpacked")
            for provider in ["libvirt", "virtualbox", "vmware_desktop"] {
                let folder = try temporary.folder("unpacked/\(provider)")
                #expect(
                    try ProgramRun.run(
                        "bsdtar", ["-xf", output.appendingPathComponent("debian-test-4G-\(provider).box").path, "-C", folder.path]
                    ).status == 0)
            }
            _ = unpacked
            let libvirt = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: temporary.path("unpacked/libvirt/metadata.json"))) as? [String: Any]
            )
            #expect(
                libvirt["provider"] as? String == "libvirt" && libvirt["format"] as? String == "qcow2"
                    && libvirt["virtual_size"] as? Int == 4)
            let info = try ProgramRun.run("qemu-img", ["info", "--output=json", temporary.path("unpacked/libvirt/box.img").path])
            #expect(info.output.contains("\"virtual-size\": 4294967296") && info.output.contains("\"format\": \"qcow2\""), "\(info.output)")
            let vmdk = try ProgramRun.run("qemu-img", ["info", temporary.path("unpacked/virtualbox/box-disk001.vmdk").path])
            #expect(vmdk.output.contains("file format: vmdk") && vmdk.output.contains("streamOptimized"), "\(vmdk.output)")
            let ovf = try Data(contentsOf: temporary.path("unpacked/virtualbox/box.ovf"))
            let parser = XMLParser(data: ovf)
            #expect(parser.parse(), "box.ovf is well-formed XML")
            let ovfText = String(decoding: ovf, as: UTF8.self)
            #expect(
                ovfText.contains("ovf:href=\"box-disk001.vmdk\"") && ovfText.contains("ovf:capacity=\"4294967296\"")
                    && ovfText.contains("Debian_64"))
            #expect(
                try String(contentsOf: temporary.path("unpacked/virtualbox/Vagrantfile"), encoding: .utf8).contains(
                    "config.vm.base_mac = \"080027"))
            let vmx = try String(contentsOf: temporary.path("unpacked/vmware_desktop/test-debian.vmx"), encoding: .utf8)
            #expect(vmx.contains("guestOS = \"debian12-64\"") && vmx.contains("sata0:0.fileName = \"disk.vmdk\""), "\(vmx)")
            #expect(
                try ProgramRun.run("qemu-img", ["info", temporary.path("unpacked/vmware_desktop/disk.vmdk").path]).output.contains(
                    "monolithicSparse"))

            // boxer box add of the catalog, and boxer up of the libvirt box.
            let add = try ProgramRun.run(
                binary, ["box", "add", output.appendingPathComponent("debian-test.json").path, "--provider", "libvirt"],
                environment: environment)
            #expect(add.status == 0, "\(add.output)\n\(add.error)")
            let project = try temporary.folder("project")
            try Data(
                "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"test/debian\"\n  config.vm.synced_folder \".\", \"/vagrant\", disabled: true\nend\n"
                    .utf8
            )
            .write(to: project.appendingPathComponent("Vagrantfile"))
            defer { _ = try? ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project) }
            let up = try ProgramRun.run(binary, ["up"], environment: environment, directory: project)
            #expect(up.status == 0, "\(up.output)\n\(up.error)")
            #expect(
                up.output.contains("Vagrant insecure key removed from the box's authorized keys."),
                "the box carried Vagrant's insecure key: \(up.output)")
            let check = try ProgramRun.run(
                binary,
                [
                    "ssh", "-c",
                    "id -un; cat /etc/boxer-built; grep -c AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp ~/.ssh/authorized_keys",
                ], environment: environment, directory: project)
            #expect(check.output == "vagrant\nbuilt by boxer\n0\n", "\(check.output)\n\(check.error)")
            #expect(try ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project).status == 0)
        }
    }
}
