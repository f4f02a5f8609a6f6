import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `boxer build` as image teams use it: provisioning on a guest whose /tmp is `noexec` (the
    /// scripts run from `remote_folder`), and plain gzipped images beside the box, all in the
    /// checksum files.
    @Suite struct BuildOutputsTests {
        @Test func plainImagesAndAGuestWithANoexecTmp() throws {
            let temporary = try TemporaryFolder("boxer-build-outputs")
            defer { TestboxBuildEndToEndTests.killQEMUs(under: temporary.url) }
            let binary = try #require(BoxerBinary.url?.path)
            let home = try temporary.folder("home")
            // Hardened as CIS has it: /tmp noexec, checked by the step itself; then a script with
            // its own interpreter line, which must be run as a program, from remote_folder.
            let template = try TestboxBuildEndToEndTests.templateCopy(named: "outputs-test", in: temporary) { text in
                text.replacingOccurrences(
                    of: "provisioning:\n",
                    with: """
                        provisioning:
                          - shell: |
                              mount -o remount,noexec /tmp
                              printf '#!/bin/sh\\nexit 0\\n' > /tmp/probe && chmod +x /tmp/probe
                              if /tmp/probe; then echo "/tmp still runs programs"; exit 1; fi
                              echo "/tmp is noexec"
                          - shell: |
                              #!/bin/sh
                              echo "ran from ${0%/*}" | tee /boot/ran-from

                        """)
            }
            let output = temporary.path("out")
            let trace = temporary.path("build.log")
            let build = try ProgramRun.run(
                binary,
                [
                    "build", template.path, "--output", output.path, "--level", "1", "--provider", "libvirt", "--format", "box,qcow2",
                    "--format", "raw", "--gzip-images", "--log", trace.path, "--machine-readable",
                ],
                environment: TestboxBuildEndToEndTests.environment(home: home), directory: temporary.url)
            #expect(build.status == 0, "\(build.output.suffix(3000))\n\(build.error)")
            let log = (try? String(contentsOf: trace, encoding: .utf8)) ?? ""
            #expect(log.contains("/tmp is noexec") && log.contains("ran from /var/lib/boxer-build"), "\(log.suffix(3000))")

            let files = ["outputs-test-1G-libvirt.box", "outputs-test-1G.qcow2.gz", "outputs-test-1G.raw.gz"]
            let listed = try String(contentsOf: output.appendingPathComponent("SHA512SUM"), encoding: .utf8)
            #expect(files.allSatisfy { listed.contains("  \($0)\n") }, "\(listed)")
            #expect(try String(contentsOf: output.appendingPathComponent("MD5SUM.txt"), encoding: .utf8).split(separator: "\n").count == 3)
            for sums in ["SHA512SUM", "MD5SUM.txt"] {
                let check = try ProgramRun.run(sums.hasPrefix("SHA") ? "sha512sum" : "md5sum", ["-c", sums], directory: output)
                #expect(check.status == 0, "\(sums): \(check.output)\(check.error)")
            }
            #expect(build.output.contains(",artifact-count,3"), "Packer's records count the images: \(build.output)")
            // Each image unpacks (gzip -t reads it whole) to a 1 GiB disk in its format.
            for (file, format) in [("outputs-test-1G.qcow2.gz", "qcow2"), ("outputs-test-1G.raw.gz", "raw")] {
                let gz = output.appendingPathComponent(file).path
                #expect(try ProgramRun.run("gzip", ["-t", gz]).status == 0, "\(file) is whole")
                let plain = temporary.path(String(file.dropLast(3))).path
                #expect(try ProgramRun.run("sh", ["-c", "gzip -dc \"$1\" > \"$2\"", "sh", gz, plain]).status == 0)
                let info = try ProgramRun.run("qemu-img", ["info", "--output=json", plain]).output
                #expect(info.contains("\"format\": \"\(format)\"") && info.contains("\"virtual-size\": 1073741824"), "\(file): \(info)")
            }
            // No uncompressed copy and no partial file is left beside them.
            let left = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
            #expect(
                Set(left) == Set(files + ["SHA512SUM", "SHA512SUM.txt", "MD5SUM", "MD5SUM.txt", "outputs-test.json"]), "\(left)")
        }
    }
}
