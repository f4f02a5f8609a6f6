import BoxerTestSupport
import Foundation
import Testing

@testable import ProviderStandIns

#if canImport(FoundationXML)
    import FoundationXML
#endif

extension MachineSuites {
    /// `boxer build` of the repository's own offline templates, testbox-amd64 and testbox-arm64:
    /// the recipe builds the source image from Debian packages (cached under .cache), QEMU boots
    /// it (TCG here; arm64 with UEFI), the template's provisioning writes to the disk, and the
    /// boxes come out. The amd64 build makes all four providers' boxes, whose layouts are checked
    /// against their formats; both then go through `boxer box add` of the catalog and `boxer up`
    /// to SSH. When Debian's vagrant is installed, `vagrant box add` takes the catalog too.
    @Suite struct TestboxBuildEndToEndTests {
        static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        static let insecureKeyFragment = "AAAAB3NzaC1yc2EAAAABIwAAAQEA6NF8iallvQVp22WDkTkyrtvp"

        static func environment(home: URL) -> [String: String] {
            var environment = ProcessInfo.processInfo.environment
            environment["BOXER_HOME"] = home.path
            environment["BOXER_QEMU_RESTRICT"] = "1"
            environment["BOXER_TEMPLATES"] = repository.appendingPathComponent("boxes").path
            let cache = environment["BOXER_TEST_CACHE"] ?? repository.appendingPathComponent(".cache/testbox").path
            environment["BOXER_IMAGE_CACHE"] = cache + "/images"
            environment["VAGRANT_CWD"] = nil
            environment["BOXER_CWD"] = nil
            // Nothing from the developer's shell that changes what a build does or prints.
            for key in ["BOXER_LOG", "BOXER_VIRTUALBOX_ADDITIONS", "BOXER_PARALLELS_TOOLS", "BOXER_POWEROFF_TIMEOUT", "BOXER_QEMU_ACCEL"] {
                environment[key] = nil
            }
            return environment
        }

        /// Kills (by pid) any QEMU a test's build left under `folder` and waits until they are gone:
        /// for the `defer` of every test that builds, so that a failure half-way leaves no guest.
        static func killQEMUs(under folder: URL) {
            for pid in qemuPIDs(mentioning: folder.path) { kill(pid, SIGKILL) }
            for _ in 0..<100 where !qemuPIDs(mentioning: folder.path).isEmpty { usleep(50_000) }
        }

        @Test(arguments: ["amd64", "arm64"])
        func testboxTemplateBuildsAndBoots(architecture: String) throws {
            let temporary = try TemporaryFolder("boxer-testbox-build")
            defer { Self.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let home = try temporary.folder("home")
            let environment = Self.environment(home: home)
            let output = temporary.path("out")
            let name = "testbox-\(architecture)"
            let providers = architecture == "amd64" ? ["libvirt", "parallels", "virtualbox", "vmware_desktop"] : ["libvirt"]
            let trace = temporary.path("build.log")
            let build = try ProgramRun.run(
                binary,
                [
                    "build", name, "--output", output.path, "--level", "1", "--provider", providers.joined(separator: ","), "--log",
                    trace.path,
                ],
                environment: environment, directory: temporary.url)
            try #require(build.status == 0, "\(build.output)\n\(build.error)")
            #expect(build.output.contains("\(name): customized by boxer build on"), "the provisioning ran in the guest: \(build.output)")
            // The capability data says what an arm64 build on an x86 host is (providers/qemu.yaml).
            var machine = utsname()
            uname(&machine)
            let hostMachine = withUnsafeBytes(of: &machine.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if architecture == "arm64", hostMachine == "x86_64" {
                #expect(
                    build.output.contains(
                        "==> \(name): arm64 guests on linux-amd64 with QEMU: partial: another CPU architecture is emulated by TCG"),
                    "\(build.output)")
            }
            // --log: the steps, the commands, the script and the guest's serial console.
            let traced = try String(contentsOf: trace, encoding: .utf8)
            #expect(traced.contains("] ==> Booting \(name) in QEMU"), "\(traced.prefix(2000))")
            #expect(traced.contains("run: /usr/bin/qemu-system-\(architecture == "amd64" ? "x86_64" : "aarch64") "))
            #expect(traced.contains("run: ") && traced.contains("qemu-img convert"))
            #expect(traced.contains("console: ") && traced.contains("TINYVM-READY"), "the serial console is in the trace")
            #expect(traced.contains("run as root in the guest (/var/lib/boxer-build/step-1.sh):"))

            let files = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
            #expect(
                files == ["MD5SUM", "MD5SUM.txt", "SHA512SUM", "SHA512SUM.txt"] + providers.map { "\(name)-1G-\($0).box" } + [
                    "\(name).json"
                ], "\(files)")
            #expect(try ProgramRun.run("sha512sum", ["-c", "SHA512SUM"], directory: output).status == 0)
            #expect(try ProgramRun.run("md5sum", ["-c", "MD5SUM"], directory: output).status == 0)
            let catalog = try #require(
                try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("\(name).json"))) as? [String: Any])
            let entries = ((catalog["versions"] as? [[String: Any]])?.first?["providers"] as? [[String: Any]]) ?? []
            #expect(
                entries.count == providers.count
                    && entries.allSatisfy {
                        ($0["url"] as? String)?.hasPrefix("file:///") == true && $0["architecture"] as? String == architecture
                    }, "\(entries)")
            if architecture == "amd64" {
                try Self.checkLayouts(output: output, name: name, in: temporary)
            }

            // boxer box add of the catalog, from another folder (the URLs are absolute), and up. As
            // in Vagrant, a box of another architecture than the host's is asked for by name.
            let add = try ProgramRun.run(
                binary,
                [
                    "box", "add", output.appendingPathComponent("\(name).json").path, "--provider", "libvirt", "--architecture",
                    architecture,
                ],
                environment: environment, directory: home)
            #expect(add.status == 0, "\(add.output)\n\(add.error)")
            let project = try temporary.folder("project")
            try Data(
                "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"boxer/testbox\"\n  config.vm.box_architecture = \"\(architecture)\"\nend\n"
                    .utf8
            )
            .write(to: project.appendingPathComponent("Vagrantfile"))
            defer { _ = try? ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project) }
            let up = try ProgramRun.run(binary, ["up"], environment: environment, directory: project)
            #expect(up.status == 0, "\(up.output)\n\(up.error)")
            let check = try ProgramRun.run(
                binary, ["ssh", "-c", "cat /boot/boxer-build; grep -c \(Self.insecureKeyFragment) ~/.ssh/authorized_keys"],
                environment: environment, directory: project)
            #expect(
                check.output.hasPrefix("customized by boxer build on") && check.output.contains("for \(architecture)\n0\n"),
                "\(check.output)\n\(check.error)")
            #expect(try ProgramRun.run(binary, ["destroy", "-f"], environment: environment, directory: project).status == 0)

            // Real Vagrant reads the same catalog, from a folder of its own.
            if architecture == "amd64", let vagrant = ProgramRun.find("vagrant") {
                var vagrantEnvironment = environment
                vagrantEnvironment["VAGRANT_HOME"] = try temporary.folder("vagrant.d").path
                vagrantEnvironment["VAGRANT_CHECKPOINT_DISABLE"] = "1"
                for provider in ["libvirt", "virtualbox"] {
                    let added = try ProgramRun.run(
                        vagrant, ["box", "add", output.appendingPathComponent("\(name).json").path, "--provider", provider],
                        environment: vagrantEnvironment, directory: home)
                    #expect(added.status == 0, "vagrant box add --provider \(provider): \(added.output)\n\(added.error)")
                }
                let list = try ProgramRun.run(vagrant, ["box", "list"], environment: vagrantEnvironment, directory: home)
                #expect(
                    list.output.contains("boxer/testbox (libvirt, 1.0.0)") && list.output.contains("boxer/testbox (virtualbox, 1.0.0)"),
                    "\(list.output)")
            }
        }

        /// The guest tools step, with stand-ins for the vendors' installers (VirtualBox's
        /// VBoxLinuxAdditions.run and Parallels' install are not available here): boxer attaches
        /// each ISO to the build machine, the guest finds and runs the installer with the vendor's
        /// unattended flags, what it wrote is in every box's disk; open-vm-tools, which needs a
        /// package manager that busybox lacks, is reported as a warning, again after the summary.
        @Test func guestToolsComeFromTheirISOs() throws {
            let temporary = try TemporaryFolder("boxer-testbox-tools")
            defer { Self.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let environment = Self.environment(home: try temporary.folder("home"))
            func standInISO(_ name: String, installer: String, record: String) throws -> URL {
                let folder = try temporary.folder("iso-\(name)")
                let script = folder.appendingPathComponent(installer)
                try Data(
                    """
                    #!/bin/sh
                    # STAND-IN for the vendor's installer (not available here): records how it was run.
                    echo "\(installer) stand-in ran with: $*" | tee /boot/\(record)
                    [ "\(installer)" = VBoxLinuxAdditions.run ] && exit 2
                    exit 0

                    """.utf8
                ).write(to: script)
                chmod(script.path, 0o755)
                let iso = temporary.path("\(name).iso")
                let made = try ProgramRun.run("bsdtar", ["--format", "iso9660", "-cf", iso.path, "-C", folder.path, installer])
                try #require(made.status == 0, "\(made.error)")
                return iso
            }
            let vbox = try standInISO("vbox", installer: "VBoxLinuxAdditions.run", record: "vbox-additions")
            let parallels = try standInISO("prl", installer: "install", record: "parallels-tools")
            let template = try Self.templateCopy(named: "tools-test", in: temporary) {
                $0.replacingOccurrences(of: "guest_tools: false", with: "guest_tools: true")
            }
            let output = temporary.path("out")
            let build = try ProgramRun.run(
                binary,
                [
                    "build", template.path, "--output", output.path, "--level", "1",
                    "--guest-tools", "virtualbox=\(vbox.path)", "--guest-tools", "parallels=\(parallels.path)",
                ],
                environment: environment, directory: temporary.url)
            try #require(build.status == 0, "\(build.output)\n\(build.error)")
            #expect(build.output.contains("==> tools-test: Guest tools: VirtualBox Guest Additions from \(vbox.path)"), "\(build.output)")
            #expect(build.output.contains("VBoxLinuxAdditions.run stand-in ran with: --nox11"), "\(build.output)")
            #expect(build.output.contains("install stand-in ran with: --install-unattended-with-deps"), "\(build.output)")
            #expect(build.output.contains("boxer: no apt-get, dnf or yum in the guest: nothing installed for building the tools"))
            let warning = "The vmware_desktop box gets no guest tools"
            #expect(
                build.error.components(separatedBy: warning).count == 3,
                "warned during the build and again after the summary: \(build.error)")
            #expect(build.error.contains("no apt-get, dnf or yum in the guest: open-vm-tools cannot be installed"), "\(build.error)")

            // What the installers wrote is on the disk of the boxes (the FAT partition at 1 MiB).
            let unpacked = try temporary.folder("unpacked")
            #expect(
                try ProgramRun.run("bsdtar", ["-xf", output.appendingPathComponent("tools-test-1G-libvirt.box").path, "-C", unpacked.path])
                    .status == 0)
            let raw = unpacked.appendingPathComponent("disk.raw").path
            #expect(
                try ProgramRun.run("qemu-img", ["convert", "-O", "raw", unpacked.appendingPathComponent("box.img").path, raw]).status == 0)
            let additions = try ProgramRun.run("mtype", ["-i", raw + "@@1M", "::/vbox-additions"])
            #expect(additions.output == "VBoxLinuxAdditions.run stand-in ran with: --nox11\n", "\(additions.output)\(additions.error)")
            let tools = try ProgramRun.run("mtype", ["-i", raw + "@@1M", "::/parallels-tools"])
            #expect(tools.output == "install stand-in ran with: --install-unattended-with-deps\n", "\(tools.output)\(tools.error)")
        }

        /// The customized image is reused by a build with the same source, provisioning and tools
        /// (it boots nothing), not after the provisioning changed, and not with --no-cache; one
        /// image per template stays in the cache.
        @Test func theCustomizedImageIsReusedUntilItsRecipeChanges() throws {
            let temporary = try TemporaryFolder("boxer-testbox-cache")
            defer { Self.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let home = try temporary.folder("home")
            let environment = Self.environment(home: home)
            let template = try Self.templateCopy(named: "cache-test", in: temporary) { $0 }
            let original = try String(contentsOf: template, encoding: .utf8)
            func build(_ output: String, provider: String, extra: [String] = []) throws -> ProgramRun {
                let run = try ProgramRun.run(
                    binary,
                    ["build", template.path, "--output", temporary.path(output).path, "--level", "1", "--provider", provider] + extra,
                    environment: environment, directory: temporary.url)
                #expect(run.status == 0, "\(run.output)\n\(run.error)")
                return run
            }
            #expect(try build("first", provider: "libvirt").output.contains("==> cache-test: Booting cache-test in QEMU"))
            let second = try build("second", provider: "vmware_desktop")
            #expect(
                second.output.contains("Reusing the customized image of an earlier build") && !second.output.contains("Booting"),
                "\(second.output)")
            // The reused image is the customized one: the provisioning's file is on the box's disk.
            let unpacked = try temporary.folder("second-unpacked")
            #expect(
                try ProgramRun.run("bsdtar", ["-xf", temporary.path("second/cache-test-1G-vmware_desktop.box").path, "-C", unpacked.path])
                    .status == 0)
            let raw = unpacked.appendingPathComponent("disk.raw").path
            #expect(
                try ProgramRun.run("qemu-img", ["convert", "-O", "raw", unpacked.appendingPathComponent("disk.vmdk").path, raw]).status == 0
            )
            #expect(try ProgramRun.run("mtype", ["-i", raw + "@@1M", "::/boxer-build"]).output.hasPrefix("customized by boxer build on"))
            try Data(original.replacingOccurrences(of: "cat /boot/boxer-build", with: "cat /boot/boxer-build; echo changed").utf8).write(
                to: template)
            let third = try build("third", provider: "libvirt")
            #expect(
                third.output.contains("Booting") && third.output.contains("    cache-test: changed"),
                "a changed step customizes again: \(third.output)")
            #expect(try build("fourth", provider: "libvirt", extra: ["--no-cache"]).output.contains("Booting"))
            let cached = try FileManager.default.contentsOfDirectory(atPath: home.appendingPathComponent("cache/builds").path).filter {
                $0.hasSuffix(".qcow2")
            }
            #expect(cached.count == 1 && cached[0].hasPrefix("cache-test-"), "one image per template: \(cached)")
        }

        /// A copy of testbox-amd64.yaml in `folder` with its paths made absolute and `edit` applied.
        static func templateCopy(named name: String, in temporary: TemporaryFolder, edit: (String) -> String) throws -> URL {
            let boxes = repository.appendingPathComponent("boxes").path
            let text = try String(contentsOfFile: boxes + "/testbox-amd64.yaml", encoding: .utf8)
                .replacingOccurrences(of: "recipe: testbox/", with: "recipe: \(boxes)/testbox/")
                .replacingOccurrences(of: "vagrantfile: testbox/", with: "vagrantfile: \(boxes)/testbox/")
            let template = temporary.path("\(name).yaml")
            try Data(edit(text).utf8).write(to: template)
            return template
        }

        /// A rebuild that fails while packaging leaves the earlier build's boxes, checksums and
        /// catalog as they were: the new boxes replace the old ones only once all are written.
        @Test func aFailedRebuildKeepsTheEarlierBoxes() throws {
            let temporary = try TemporaryFolder("boxer-testbox-rebuild")
            defer { Self.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let environment = Self.environment(home: try temporary.folder("home"))
            let output = temporary.path("out")
            func build() throws -> ProgramRun {
                try ProgramRun.run(
                    binary, ["build", "testbox-amd64", "--output", output.path, "--level", "1", "--provider", "libvirt,parallels"],
                    environment: environment, directory: temporary.url)
            }
            let first = try build()
            try #require(first.status == 0, "\(first.output)\n\(first.error)")
            let sums = try String(contentsOf: output.appendingPathComponent("SHA512SUM"), encoding: .utf8)
            // The second build cannot write its parallels box: a folder sits where it would go.
            let blocker = output.appendingPathComponent(".testbox-amd64-1G-parallels.box.partial")
            try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: false)
            let second = try build()
            #expect(second.status != 0)
            #expect(second.error.contains("cannot write \(output.path)/testbox-amd64-1G-parallels.box"), "\(second.error)")
            try FileManager.default.removeItem(at: blocker)
            #expect(try String(contentsOf: output.appendingPathComponent("SHA512SUM"), encoding: .utf8) == sums)
            #expect(
                try ProgramRun.run("sha512sum", ["-c", "SHA512SUM"], directory: output).status == 0, "the first build's boxes are intact")
            let left = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
            #expect(
                left == [
                    "MD5SUM", "MD5SUM.txt", "SHA512SUM", "SHA512SUM.txt", "testbox-amd64-1G-libvirt.box", "testbox-amd64-1G-parallels.box",
                    "testbox-amd64.json",
                ],
                "\(left)")
        }

        /// A provisioning step that fails: the build stops with the step's exit status and its last
        /// lines, QEMU is stopped, and the output folder is empty, or, with --keep-on-error, holds
        /// the build folder (with the guest's console) and says so.
        @Test(arguments: [false, true])
        func aFailingStepStopsTheBuildWithItsLastLines(keepOnError: Bool) throws {
            let temporary = try TemporaryFolder("boxer-testbox-failure")
            defer { Self.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let environment = Self.environment(home: try temporary.folder("home"))
            let template = try Self.templateCopy(named: "failing", in: temporary) { text in
                text.replacingOccurrences(
                    of: "      cat /boot/boxer-build\n", with: "      cat /boot/boxer-build\n      echo 'about to fail' >&2\n      exit 7\n"
                )
            }
            let output = temporary.path("out")
            let build = try ProgramRun.run(
                binary, ["build", template.path, "--output", output.path, "--level", "1"] + (keepOnError ? ["--keep-on-error"] : []),
                environment: environment, directory: temporary.url)
            #expect(build.status != 0)
            #expect(build.error.contains("shell step 1 failed in the guest with exit status 7. Its last lines:"), "\(build.error)")
            #expect(build.error.contains("about to fail"), "the step's last lines: \(build.error)")
            #expect(Self.qemuPIDs(mentioning: output.path).isEmpty, "QEMU was stopped")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
            if keepOnError {
                let kept = try #require(left.first { $0.hasPrefix(".boxer-build-failing-") }, "\(left)")
                #expect(left.count == 1, "only the build folder: \(left)")
                #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(kept + "/console.log").path))
                #expect(build.error.contains("The build folder is kept for inspection: \(output.path)/\(kept)"), "\(build.error)")
            } else {
                #expect(left.isEmpty, "\(left)")
            }
        }

        /// A guest that ignores the ACPI button and cannot power itself off: after the timeout
        /// (BOXER_POWEROFF_TIMEOUT, 5 s here) QEMU is stopped, the build says so, and goes on.
        @Test func aGuestThatNeverPowersOffIsStoppedAndReported() throws {
            let temporary = try TemporaryFolder("boxer-testbox-poweroff")
            defer { Self.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            var environment = Self.environment(home: try temporary.folder("home"))
            environment["BOXER_POWEROFF_TIMEOUT"] = "5"
            let template = try Self.templateCopy(named: "stubborn", in: temporary) { text in
                // No acpid for the button, and a poweroff that does nothing for the fallback timer.
                text.replacingOccurrences(
                    of: "      cat /boot/boxer-build\n",
                    with:
                        "      cat /boot/boxer-build\n      killall acpid\n      rm -f /bin/poweroff /sbin/poweroff\n      printf '#!/bin/sh\\ntrue\\n' > /bin/poweroff\n      chmod 755 /bin/poweroff\n"
                )
            }
            let output = temporary.path("out")
            let build = try ProgramRun.run(
                binary, ["build", template.path, "--output", output.path, "--level", "1", "--provider", "libvirt"],
                environment: environment, directory: temporary.url)
            #expect(build.status == 0, "\(build.output)\n\(build.error)")
            #expect(build.error.contains("The guest did not power off within 5 s; QEMU was stopped by force"), "\(build.error)")
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("stubborn-1G-libvirt.box").path))
            #expect(Self.qemuPIDs(mentioning: output.path).isEmpty)
        }

        /// Ctrl-C at three points of a build: waiting for SSH, while the guest runs the
        /// provisioning, and after the first box was written. Each time boxer exits 130, no QEMU of
        /// the build is left, and the output folder holds neither the build folder nor any box.
        /// The last case sends SIGINT to boxer's whole process group, as a terminal's Ctrl-C does:
        /// boxer's own programs (qemu-img here) run in groups of their own, so they do not die of it
        /// before boxer decides what to clean up.
        @Test(arguments: [
            ("Waiting for SSH", false), ("Provisioning: shell step 1", false), ("Packaging the parallels box", false),
            ("boxer-test: sleeping", true),
        ])
        func ctrlCStopsQEMUAndLeavesNothing(at step: String, toProcessGroup: Bool) throws {
            let temporary = try TemporaryFolder("boxer-testbox-interrupt")
            defer { Self.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let environment = Self.environment(home: try temporary.folder("home"))
            // The process-group case stops in a step that lasts, so that its ssh is surely running.
            let template =
                toProcessGroup
                ? try Self.templateCopy(named: "testbox-amd64", in: temporary) {
                    $0.replacingOccurrences(
                        of: "      cat /boot/boxer-build\n",
                        with: "      cat /boot/boxer-build\n      echo 'boxer-test: sleeping'\n      sleep 60\n")
                }.path
                : "testbox-amd64"
            let output = temporary.path("out")
            let log = temporary.path("build.log")
            // Parallels before two more boxes: the window after its line lasts more than an instant.
            let process = try Self.startBuild(
                signals: "--default-signal=INT,TERM,HUP",
                [
                    binary, "build", template, "--output", output.path, "--level", "1", "--provider",
                    "libvirt,parallels,virtualbox,vmware_desktop",
                ],
                environment: environment, log: log)
            defer { Self.end(process, output: output) }
            let deadline = Date().addingTimeInterval(180)
            while process.isRunning, Date() < deadline, !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains(step) {
                usleep(50_000)
            }
            let before = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            try #require(process.isRunning && before.contains(step), "the build ended or never reached '\(step)': \(before)")
            if toProcessGroup {
                // boxer's children (ssh, running the sleeping step) are in groups of their own, so
                // the terminal-style SIGINT below reaches boxer alone.
                let children = Self.children(of: process.processIdentifier)
                #expect(!children.isEmpty, "boxer has a running child")
                for child in children {
                    #expect(Self.processGroup(of: child) != process.processIdentifier, "child \(child) is in boxer's process group")
                }
            }
            kill(toProcessGroup ? -process.processIdentifier : process.processIdentifier, SIGINT)
            let stopBy = Date().addingTimeInterval(60)
            while process.isRunning, Date() < stopBy { usleep(50_000) }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            try #require(!process.isRunning, "boxer did not stop within 60 s of SIGINT:\n\(text)")
            #expect(process.terminationStatus == 130, "\(text)")
            #expect(text.contains("the build was interrupted by SIGINT"), "\(text)")
            #expect(Self.qemuPIDs(mentioning: output.path).isEmpty, "the build's QEMU was stopped")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
            #expect(left.isEmpty, "the output folder still holds \(left)")
        }

        /// A full disk, for real: the output folder on a small tmpfs. 30 MiB cannot even hold the
        /// working copy (refused before anything runs); 100 MiB runs out while the boxes are
        /// written. Either way the error names the full disk and --output, and the folder is empty.
        @Test(.enabled(if: getuid() == 0, "mounting a tmpfs needs root"), arguments: [30, 100])
        func aFullDiskFailsCleanly(megabytes: Int) throws {
            let temporary = try TemporaryFolder("boxer-testbox-full")
            let binary = try #require(BoxerBinary.url?.path)
            let environment = Self.environment(home: try temporary.folder("home"))
            let small = try temporary.folder("small")
            let mount = try ProgramRun.run("mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", small.path])
            try #require(mount.status == 0, "\(mount.error)")
            defer {
                Self.killQEMUs(under: small)
                if (try? ProgramRun.run("umount", [small.path]))?.status != 0 { _ = try? ProgramRun.run("umount", ["-l", small.path]) }
            }
            let output = small.appendingPathComponent("out")
            let build = try ProgramRun.run(
                binary, ["build", "testbox-amd64", "--output", output.path, "--level", "1"], environment: environment,
                directory: temporary.url)
            #expect(build.status != 0)
            #expect(build.error.contains("The disk holding \(output.path)/.boxer-build-testbox-amd64-"), "\(build.error)")
            #expect(build.error.contains("build into a folder on a larger disk (--output)"), "\(build.error)")
            if megabytes == 30 {
                #expect(build.error.contains("the build's working copy of the image alone needs"), "\(build.error)")
            } else {
                // The error itself, not the early warning, names the disk and --output.
                let line = build.error.split(separator: "\n").first { $0.contains("No space left on device") } ?? ""
                #expect(line.contains("The disk holding") && line.contains("(--output)"), "\(build.error)")
            }
            #expect(Self.qemuPIDs(mentioning: small.path).isEmpty)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? []
            #expect(left.isEmpty, "the output folder still holds \(left)")
        }

        /// A build started with SIGINT ignored (nohup, a background job) is not stopped by it.
        @Test func anIgnoredSignalStaysIgnored() throws {
            let temporary = try TemporaryFolder("boxer-testbox-nohup")
            let binary = try #require(BoxerBinary.url?.path)
            let output = temporary.path("out")
            let log = temporary.path("build.log")
            let process = try Self.startBuild(
                signals: "--ignore-signal=INT",
                [binary, "build", "testbox-amd64", "--output", output.path, "--level", "1", "--provider", "libvirt"],
                environment: Self.environment(home: try temporary.folder("home")), log: log)
            defer { Self.end(process, output: output) }
            let deadline = Date().addingTimeInterval(180)
            while process.isRunning, Date() < deadline, !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("Provisioning") {
                usleep(50_000)
            }
            try #require(
                process.isRunning && ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("Provisioning"),
                "the build ended or never reached the provisioning")
            kill(process.processIdentifier, SIGINT)
            let stopBy = Date().addingTimeInterval(120)
            while process.isRunning, Date() < stopBy { usleep(50_000) }
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            try #require(!process.isRunning, "the build did not end: \(text)")
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("testbox-amd64-1G-libvirt.box").path), "\(text)")
        }

        /// `boxer build` started through env with `signals` (`--default-signal=…` or
        /// `--ignore-signal=…`), its output in `log`. Foundation starts it as the leader of a process
        /// group of its own, as a shell starts a foreground job; env (which execs it, same pid) gives
        /// it the dispositions a terminal job has: the test runner's children inherit SIGINT
        /// ignored, and boxer leaves an ignored signal ignored, as nohup wants.
        static func startBuild(signals: String, _ arguments: [String], environment: [String: String], log: URL) throws -> Process {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [signals] + arguments
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: log)
            process.standardError = process.standardOutput
            try process.run()
            return process
        }

        /// Kills a build that is still running, and any QEMU under its output folder.
        static func end(_ process: Process, output: URL) {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            for pid in qemuPIDs(mentioning: output.path) { kill(pid, SIGKILL) }
        }

        /// The pids whose parent is `parent` (from /proc/<pid>/stat).
        static func children(of parent: pid_t) -> [pid_t] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init).filter {
                statFields($0)?[1] == String(parent)
            }
        }

        static func processGroup(of pid: pid_t) -> pid_t? { statFields(pid).flatMap { pid_t($0[2]) } }

        /// /proc/<pid>/stat after the command name: state, ppid, pgrp, …
        static func statFields(_ pid: pid_t) -> [String]? {
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            guard let close = text.lastIndex(of: ")") else { return nil }
            return text[text.index(after: close)...].split(separator: " ").map(String.init)
        }

        /// QEMU processes whose command line names `path` (the build's folder is inside it).
        static func qemuPIDs(mentioning path: String) -> [pid_t] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry -> pid_t? in
                guard let pid = pid_t(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
                let commandLine = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
                return commandLine.contains("qemu-system") && commandLine.contains(path) ? pid : nil
            }
        }

        /// Every provider's layout: qemu-img on every disk, the XML files parsed, the vmx read.
        static func checkLayouts(output: URL, name: String, in temporary: TemporaryFolder) throws {
            for provider in ["libvirt", "parallels", "virtualbox", "vmware_desktop"] {
                let folder = try temporary.folder("unpacked/\(provider)")
                #expect(
                    try ProgramRun.run(
                        "bsdtar", ["-xf", output.appendingPathComponent("\(name)-1G-\(provider).box").path, "-C", folder.path]
                    ).status == 0)
                let metadata = try #require(
                    try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("metadata.json")))
                        as? [String: Any])
                #expect(metadata["provider"] as? String == provider && metadata["architecture"] as? String == "amd64", "\(metadata)")
                #expect(
                    try String(contentsOf: folder.appendingPathComponent("Vagrantfile"), encoding: .utf8).contains(
                        "config.vm.synced_folder \".\", \"/vagrant\", disabled: true"),
                    "the template's Vagrantfile is in the \(provider) box")
            }
            let unpacked = temporary.path("unpacked")
            func info(_ path: String) throws -> String {
                try ProgramRun.run("qemu-img", ["info", unpacked.appendingPathComponent(path).path]).output
            }
            #expect(try info("libvirt/box.img").contains("file format: qcow2"))
            #expect(try info("virtualbox/box-disk001.vmdk").contains("streamOptimized"))
            #expect(try info("vmware_desktop/disk.vmdk").contains("monolithicSparse"))
            let hds = "parallels/box.pvm/harddisk.hdd/harddisk.hdd.0.{5fbaabe3-6958-40ff-92a7-860e329aab41}.hds"
            let parallelsInfo = try info(hds)
            #expect(parallelsInfo.contains("file format: parallels") && parallelsInfo.contains("virtual size: 1 GiB"), "\(parallelsInfo)")

            // XML: the OVF envelope, Parallels' disk descriptor and VM configuration.
            let ovf = try XMLValues(unpacked.appendingPathComponent("virtualbox/box.ovf"))
            #expect(ovf.attributes["File"]?["ovf:href"] == "box-disk001.vmdk")
            #expect(ovf.attributes["Disk"]?["ovf:capacity"] == "1073741824")
            let descriptor = try XMLValues(unpacked.appendingPathComponent("parallels/box.pvm/harddisk.hdd/DiskDescriptor.xml"))
            #expect(descriptor.attributes["Parallels_disk_image"]?["Version"] == "1.0")
            let sectors = Int(descriptor.text["Disk_size"] ?? "") ?? -1
            #expect(sectors == 2_097_152 && descriptor.text["End"] == String(sectors))
            let geometry: [Int] = ["Cylinders", "Heads", "Sectors"].map { Int(descriptor.text[$0] ?? "") ?? 0 }
            #expect(geometry.reduce(1, *) == sectors, "cylinders × heads × sectors is the disk size: \(geometry)")
            #expect(
                descriptor.text["File"] == "harddisk.hdd.0.{5fbaabe3-6958-40ff-92a7-860e329aab41}.hds"
                    && descriptor.text["Type"] == "Compressed")
            let config = try XMLValues(unpacked.appendingPathComponent("parallels/box.pvm/config.pvs"))
            #expect(config.text["SystemName"] == "harddisk.hdd" && config.text["Size"] == "1024")
            #expect(config.text["MAC"]?.hasPrefix("001C42") == true && config.text["OsType"] == "9" && config.text["EfiEnabled"] == "0")
            let vmx = try String(contentsOf: unpacked.appendingPathComponent("vmware_desktop/boxer-testbox.vmx"), encoding: .utf8)
            #expect(vmx.contains("guestOS = \"other6xlinux-64\"") && vmx.contains("sata0:0.fileName = \"disk.vmdk\""), "\(vmx)")
        }
    }
}

/// An XML file read with Foundation's parser: each element's last text and attributes by name.
/// Parsing fails (and throws) on anything that is not well-formed.
final class XMLValues: NSObject, XMLParserDelegate {
    private(set) var text: [String: String] = [:]
    private(set) var attributes: [String: [String: String]] = [:]
    private var current = ""

    init(_ file: URL) throws {
        super.init()
        let parser = XMLParser(data: try Data(contentsOf: file))
        parser.delegate = self
        guard parser.parse() else {
            throw TestFailure("\(file.lastPathComponent) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "")")
        }
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]
    ) {
        self.attributes[name] = attributes
        current = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let value = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !value.isEmpty { text[name] = value }
        current = ""
    }
}
