import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// Builds from an installer ISO, end to end with boxer's test installer (an ISO made here
    /// from Debian packages, not a distribution): the boot command typed over QMP at its
    /// "boot:" prompt, the kickstart-style answer file served through guestfwd, the disk
    /// written and the installer's reboot caught, the ISO ejected, the installed system
    /// customized over SSH; then a libvirt box and a gzipped qcow2 with checksums, uploaded to
    /// a loopback file server (a dropped connection resumed), and `boxer up` of the box.
    @Suite struct ISOBuildTests {
        static let boxes = TestboxBuildEndToEndTests.repository.appendingPathComponent("boxes").path

        /// boxes/testbox-iso-amd64.yaml with its paths made absolute, its firmware set and `edit` applied.
        static func template(in temporary: TemporaryFolder, firmware: String, edit: (String) -> String = { $0 }) throws -> URL {
            let text = try String(contentsOfFile: boxes + "/testbox-iso-amd64.yaml", encoding: .utf8)
                .replacingOccurrences(of: ": testbox/", with: ": \(boxes)/testbox/")
                .replacingOccurrences(of: "firmware: bios", with: "firmware: \(firmware)")
            let template = temporary.path("iso-test-\(firmware).yaml")
            try Data(edit(text).utf8).write(to: template)
            return template
        }

        static func md5(_ data: Data) throws -> String {
            let folder = try TemporaryFolder("boxer-md5")
            let file = folder.path("data")
            try data.write(to: file)
            return String(try ProgramRun.run("md5sum", [file.path]).output.prefix(32))
        }

        @Test(arguments: ["bios", "efi"])
        func installsUploadsAndBoots(firmware: String) throws {
            let temporary = try TemporaryFolder("boxer-iso-build")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let home = try temporary.folder("home")
            let environment = TestboxBuildEndToEndTests.environment(home: home)
            let template = try Self.template(in: temporary, firmware: firmware)
            let server = try LoopbackHTTPServer()
            defer { server.stop() }
            // The first PUT breaks off after 1 MiB: the upload resumes from what the server kept.
            server.acceptUploads(under: "/cache/", .init(dropAfter: 1 << 20))
            let output = temporary.path("out")
            let trace = temporary.path("build.log")
            let build = try ProgramRun.run(
                binary,
                [
                    "build", template.path, "--output", output.path, "--level", "1", "--format", "box,qcow2", "--gzip-images", "--upload",
                    server.url("/cache/").absoluteString, "--log", trace.path,
                ],
                environment: environment, directory: temporary.url)
            try #require(build.status == 0, "\(build.output.suffix(4000))\n\(build.error)")
            let name = "iso-test-\(firmware)"
            #expect(
                build.output.contains("\(name): installed from the test installer ISO on"), "the system is the installer's: \(build.output)"
            )

            // The installer's run, from the serial console in the trace: one installer boot, the
            // answer file fetched from boxer's server, the reboot caught, the installed system up.
            let traced = try String(contentsOf: trace, encoding: .utf8)
            let afterReboot = traced.components(separatedBy: "installer: rebooting").last ?? ""
            #expect(
                traced.contains("BOXER-TEST-INSTALLER (not a distribution) ready") && !afterReboot.contains("BOXER-TEST-INSTALLER"),
                "one installer boot")
            for line in ["installer: answer file fetched", "installer: %post: + echo", "installer: rebooting", "TINYVM-READY"] {
                #expect(traced.contains(line), "\(line) in the trace: \(traced.suffix(3000))")
            }
            #expect(traced.contains("Resuming the upload of"), "the dropped upload was resumed: \(build.output)")

            let files = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
            let box = "\(name)-1G-libvirt.box"
            let image = "\(name)-1G.qcow2.gz"
            #expect(
                Set(files) == Set([box, image, "\(name).json", "SHA512SUM", "SHA512SUM.txt", "MD5SUM", "MD5SUM.txt", "URL.txt"]),
                "\(files)")
            #expect(try ProgramRun.run("sha512sum", ["-c", "SHA512SUM"], directory: output).status == 0)
            #expect(try ProgramRun.run("md5sum", ["-c", "MD5SUM.txt"], directory: output).status == 0)
            // URL.txt: each uploaded file's URL and MD5, and the server holds exactly that file.
            let urls = try String(contentsOf: output.appendingPathComponent("URL.txt"), encoding: .utf8).split(separator: "\n")
            #expect(urls.count == 5, "\(urls)")
            for line in urls {
                let fields = line.split(separator: " ").map(String.init)
                try #require(fields.count == 2)
                let path = try #require(URL(string: fields[0])?.path)
                let stored = try #require(server.uploaded(path), "\(path) was uploaded")
                let local = try Data(contentsOf: output.appendingPathComponent((path as NSString).lastPathComponent))
                let md5 = try Self.md5(stored)
                #expect(stored == local && md5 == fields[1], "\(path)")
            }
            // The catalog points at the uploaded box: boxer adds it from the server, and up boots it.
            let add = try ProgramRun.run(
                binary, ["box", "add", server.url("/cache/\(name).json").absoluteString], environment: environment, directory: home)
            try #require(add.status == 0, "\(add.output)\n\(add.error)")
            let project = try temporary.folder("project")
            try Data("Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"boxer/testbox-iso\"\nend\n".utf8)
                .write(to: project.appendingPathComponent("Vagrantfile"))
            defer { _ = try? ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project) }
            let up = try ProgramRun.run(binary, ["up"], environment: environment, directory: project)
            #expect(up.status == 0, "\(up.output)\n\(up.error)")
            let check = try ProgramRun.run(
                binary,
                ["ssh", "-c", "cat /boot/installed-by /boot/boxer-build; ls /sys/firmware/efi >/dev/null 2>&1 && echo efi || echo bios"],
                environment: environment, directory: project)
            #expect(
                check.output.contains("installed from the test installer ISO")
                    && check.output.contains("customized by boxer build after the install\n\(firmware)\n"),
                "\(check.output)\n\(check.error)")
            #expect(try ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project).status == 0)
            if firmware == "bios" { try Self.withoutTheEjectTheInstallerBootsAgain(home: home, in: temporary) }
        }

        /// What boxer's eject prevents: the installed disk with the ISO still in the drive that
        /// boots first (a build killed at the installer's reboot, or a builder that does not
        /// eject) boots the installer again instead of the installed system: the boot loop.
        static func withoutTheEjectTheInstallerBootsAgain(home: URL, in temporary: TemporaryFolder) throws {
            let builds = home.appendingPathComponent("cache/builds").path
            let installed = try #require(
                try FileManager.default.contentsOfDirectory(atPath: builds).first {
                    $0.hasPrefix("iso-test-bios-") && $0.hasSuffix(".qcow2")
                })
            let cache = TestboxBuildEndToEndTests.environment(home: home)["BOXER_IMAGE_CACHE"] ?? ""
            let iso = try #require(
                FileManager.default.enumerator(atPath: cache)?.compactMap { $0 as? String }.first { $0.hasSuffix("/source.iso") }
                    .map { cache + "/" + $0 })
            let disk = temporary.path("loop.qcow2").path
            let overlay = try ProgramRun.run(
                "qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", builds + "/" + installed, disk])
            try #require(overlay.status == 0, "\(overlay.error)")
            let console = temporary.path("loop-console.log")
            // Not daemonized: a child of the test, ended by it (a daemon would keep the test's
            // pipes open, which Foundation's Process leaves in its children).
            let qemu = Process()
            qemu.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-system-x86_64")
            qemu.arguments = [
                "-machine", "q35", "-accel", "tcg", "-m", "512M", "-display", "none",
                "-drive", "file=\(disk),if=none,id=primary,format=qcow2", "-device", "virtio-blk-pci,drive=primary,bootindex=1",
                "-drive", "file=\(iso),if=none,id=installer,media=cdrom,readonly=on", "-device", "ide-cd,drive=installer,bootindex=0",
                "-netdev", "user,id=nat,restrict=on", "-device", "virtio-net-pci,netdev=nat",
                "-chardev", "file,id=console,path=\(console.path)", "-serial", "chardev:console",
            ]
            qemu.standardInput = FileHandle.nullDevice
            qemu.standardOutput = FileHandle.nullDevice
            qemu.standardError = FileHandle.nullDevice
            try qemu.run()
            defer {
                // SIGKILL: the test runner's children may inherit an ignored SIGTERM.
                kill(qemu.processIdentifier, SIGKILL)
                qemu.waitUntilExit()
            }
            var text = ""
            for _ in 0..<240 {
                text = (try? String(contentsOf: console, encoding: .utf8)) ?? ""
                if text.contains("BOXER-TEST-INSTALLER") || text.contains("TINYVM-READY") { break }
                usleep(250_000)
            }
            #expect(
                text.contains("BOXER-TEST-INSTALLER (not a distribution) ready") && !text.contains("TINYVM-READY"), "\(text.suffix(2000))")
        }

        /// An answer file that never says reboot: the build stops at install_timeout with what the
        /// installer asked the server and its last console lines, and leaves nothing behind.
        @Test func anInstallerThatNeverRebootsFailsWithItsConsole() throws {
            let temporary = try TemporaryFolder("boxer-iso-build")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let home = try temporary.folder("home")
            let template = try Self.template(in: temporary, firmware: "bios") { text in
                text.replacingOccurrences(
                    of: "  http_directory: \(Self.boxes)/testbox/ks\n",
                    with: "  http_content:\n    /ks.cfg: \"ignoredisk --only-use=vda\\n\"\n"
                )
                .replacingOccurrences(of: "install_timeout: 10m", with: "install_timeout: 40s")
            }
            let output = temporary.path("out")
            let build = try ProgramRun.run(
                binary, ["build", template.path, "--output", output.path], environment: TestboxBuildEndToEndTests.environment(home: home),
                directory: temporary.url)
            #expect(build.status == 1, "\(build.output)")
            #expect(
                build.error.contains("The installer did not reboot or power off within 40 s (install.install_timeout)"), "\(build.error)")
            #expect(build.error.contains("What it asked boxer's HTTP server:\n200 GET /ks.cfg"), "\(build.error)")
            #expect(build.error.contains("installer: the answer file says neither reboot nor poweroff"), "\(build.error)")
            #expect(TestboxBuildEndToEndTests.qemuPIDs(mentioning: output.path).isEmpty, "QEMU was stopped")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []).isEmpty, "nothing is left in the output")
        }
    }
}
