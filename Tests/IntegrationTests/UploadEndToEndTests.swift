import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `boxer upload` into the tiny guest: a file to its name in the home folder, a folder's
    /// contents to a named folder, packed as tgz and as zip, to a temporary path; Vagrant's
    /// refusals of a missing source and a halted machine.
    @Suite struct UploadEndToEndTests {
        @Test func filesAndFoldersPlainAndPacked() throws {
            let project = try MachineProject(vagrantfile: "Vagrant.configure(\"2\") { |c| c.vm.box = \"boxer/tiny\" }")
            try project.write("hello\n", to: "up/a.txt")
            try project.write("deep\n", to: "up/sub/b.txt")
            #expect(try project.boxer(["up"]).status == 0)
            let file = try project.boxer(["upload", "up/a.txt"])
            #expect(
                file.status == 0
                    && file.output.hasSuffix("Upload has completed successfully!\n\n  Source: up/a.txt\n  Destination: a.txt\n"))
            #expect(try project.boxer(["upload", "up", "plain"]).status == 0)
            #expect(try project.boxer(["upload", "--compress", "up", "packed"]).status == 0)
            let zip = try project.boxer(["upload", "-C", "zip", "up", "zipped"])
            #expect(zip.status == 0, "\(zip.error)")
            let temporary = try project.boxer(["upload", "--temporary", "up/a.txt", "default"])
            let path = try #require(temporary.output.split(separator: "\n").last?.split(separator: " ").last.map(String.init))
            let guest = try project.boxer([
                "ssh", "-c",
                "cat a.txt; for d in plain packed zipped; do cat $d/a.txt $d/sub/b.txt; done; cat \(path); ls /tmp | grep -c boxer-upload",
            ])
            #expect(
                guest.output == "hello\n" + String(repeating: "hello\ndeep\n", count: 3) + "hello\n0\n",
                "the archives are gone from the guest: \(guest.output) \(guest.error)")

            let missing = try project.boxer(["upload", "nothing-here"])
            #expect(missing.status == 1 && missing.error.contains("The source path provided for upload cannot be found"))
            #expect(try project.boxer(["halt"]).status == 0)
            let halted = try project.boxer(["upload", "up/a.txt"])
            #expect(halted.status == 1 && halted.error.contains("is not running"), "\(halted.error)")
        }
    }
}
