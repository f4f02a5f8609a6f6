import Foundation
import Testing

@testable import Machines

/// What real Vagrant needs of a box's guest, as the probe reports it and as boxes are then
/// written. The probe itself runs in real guests in TestboxBuildEndToEndTests and
/// LibvirtTestbedTests (where real vagrant-libvirt then runs the boxes).
@Suite struct GuestFactsTests {
    @Test func theProbeRunsUnderPOSIXShAndItsOutputIsRead() throws {
        let run = Process()
        run.executableURL = URL(fileURLWithPath: "/bin/sh")
        run.arguments = ["-c", GuestFacts.probe]
        let pipe = Pipe()
        run.standardOutput = pipe
        try run.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        run.waitUntilExit()
        let facts = try #require(GuestFacts(probeOutput: output), "\(output)")
        // This host (Debian) has bash and scp, and an os-release that Vagrant knows.
        #expect(facts.hasBash && facts.hasSCP && facts.osReleaseID == "debian" && facts.vagrantDetects && facts.warnings.isEmpty)
        #expect(facts.vagrantfileSettings == nil)
        #expect(GuestFacts(probeOutput: "sh: 1: syntax error") == nil, "not the probe's output")
    }

    @Test func aBusyboxGuest() throws {
        let facts = try #require(GuestFacts(probeOutput: "bash=no\nscp=no\nrsync=no\nid=\nlinux=no\n"))
        #expect(!facts.vagrantDetects)
        let settings = try #require(facts.vagrantfileSettings)
        #expect(settings.contains("config.ssh.shell = \"sh\""), "Vagrant's bash -l cannot run there")
        #expect(settings.contains("config.vm.synced_folder \".\", \"/vagrant\", disabled: true"), "nor rsync the default folder")
        #expect(facts.warnings.count == 2 && facts.warnings[0].contains("GuestNotDetected") && facts.warnings[1].contains("scp"))
        let named = try #require(GuestFacts(probeOutput: "bash=no\nscp=yes\nrsync=yes\nid=boxer-testbox\nlinux=yes\n"))
        #expect(named.vagrantDetects && named.warnings.isEmpty, "/etc/issue names Linux: Vagrant's generic Linux guest")
        #expect(named.vagrantfileSettings?.contains("synced_folder") == false, "rsync is there")
        #expect(try #require(GuestFacts(probeOutput: "bash=yes\nscp=yes\nrsync=yes\nid=Ubuntu\nlinux=no\n")).vagrantDetects)
    }
}
