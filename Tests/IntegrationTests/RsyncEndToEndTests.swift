import BoxerTestSupport
import Foundation
import Testing

extension MachineSuites {
    /// `rsync` and `rsync-auto` with the Debian test box (which has rsync): a change on the host
    /// reaches the guest within 2 s, twice in a row (a new folder the second time), excluded
    /// paths stay out, and rsync-auto ends with SIGTERM leaving no SSH session behind.
    @Suite struct RsyncEndToEndTests {
        @Test func rsyncAutoDeliversChanges() throws {
            let project = try MachineProject(
                vagrantfile: """
                    Vagrant.configure("2") do |config|
                      config.vm.box = "boxer/debian"
                      config.vm.synced_folder ".", "/vagrant", rsync__exclude: ["ignored/"]
                    end
                    """, box: "debian-amd64", boxName: "boxer/debian")
            try project.write("v1\n", to: "watched.txt")
            #expect(try project.boxer(["up"]).status == 0)
            try project.write("not sent\n", to: "ignored/secret.txt")
            try project.write("v2\n", to: "watched.txt")
            let once = try project.boxer(["rsync"])
            #expect(once.status == 0 && once.output.contains("==> default: Rsyncing folder: "), "\(once.error)")
            #expect(try project.boxer(["ssh", "-c", "cat /vagrant/watched.txt; ls /vagrant/ignored 2>&1 | wc -l"]).output == "v2\n1\n")

            let auto = try project.startBoxer(["rsync-auto"])
            defer { if auto.isRunning { auto.terminate() } }
            Thread.sleep(forTimeInterval: 8)  // the initial sync
            // What reading the guest costs by itself, to tell the sync's delay from it.
            var started = Date()
            _ = try project.boxer(["ssh", "-c", "cat /vagrant/watched.txt"])
            let roundTrip = Date().timeIntervalSince(started)
            for (file, text) in [("watched.txt", "v3"), ("new/inner.txt", "v4")] {
                try project.write(text + "\n", to: file)
                started = Date()
                var seen = ""
                while Date().timeIntervalSince(started) < 10 {
                    seen = try project.boxer(["ssh", "-c", "cat /vagrant/\(file) 2>/dev/null"]).output
                    if seen == text + "\n" { break }
                }
                let delay = Date().timeIntervalSince(started)
                #expect(seen == text + "\n")
                #expect(delay < 2 + roundTrip, "\(file) reached the guest after \(delay) s (a read alone takes \(roundTrip) s)")
            }
            auto.terminate()
            auto.waitUntilExit()
            #expect(auto.terminationStatus == 0, "SIGTERM ends rsync-auto as Ctrl-C does")
            let sessions = try ProgramRun.run("pgrep", ["-f", "ControlPath=\(project.home.path)"])
            #expect(sessions.output.isEmpty, "the shared SSH session ended with it")
        }
    }
}
