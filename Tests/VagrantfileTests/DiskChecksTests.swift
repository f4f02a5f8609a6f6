import BoxerTestSupport
import Foundation
import Testing

@testable import Vagrantfile

/// `config.vm.disk` checked as vagrant 2.3.4 checks it with VAGRANT_EXPERIMENTAL=disks (the
/// messages are those `vagrant validate -p` printed for the same file); without the flag
/// Vagrant ignores disks and boxer, which makes them, refuses them only at `up`.
@Suite struct DiskChecksTests {
    static let source = """
        Vagrant.configure("2") do |config|
          config.vm.box = "x"
          config.vm.disk :disk, name: "d", size: "1GB"
          config.vm.disk :disk, name: "d", size: "lots"
          config.vm.disk :dvd, name: "tools", file: "./missing.iso"
          config.vm.disk :disk, size: "10GB", primary: true
          config.vm.disk :disk, size: "20GB", primary: true
        end
        """

    static let expected = [
        "Config option 'size' for disk 'd' on guest 'default' is not an integer",
        "Disk file './missing.iso' for disk 'tools' on machine 'default' does not exist.",
        "There are more than one primary disks defined for guest 'default'. Please ensure that only one disk has been defined as a primary disk.",
        "The following disks names are defined multiple times in the disk\nconfiguration for the VM 'default':\n\nd\nvagrant_primary\n\nDisk names must be unique.",
    ]

    @Test func refusedWhenVagrantChecksDisks() throws {
        let folder = try TemporaryFolder("boxer-disk-checks")
        let read = try VagrantfileLoader.evaluate(
            source: Self.source, directory: folder.url.path, environment: ["VAGRANT_EXPERIMENTAL": "disks"])
        #expect(read.problems.map(\.message) == Self.expected.map { "vm: " + $0 })
        #expect(read.problems.map(\.location.line) == [4, 5, 3, 4])
        #expect(read.startProblems.isEmpty)
    }

    @Test func refusedOnlyAtUpOtherwise() throws {
        let folder = try TemporaryFolder("boxer-disk-checks")
        let read = try VagrantfileLoader.evaluate(source: Self.source, directory: folder.url.path)
        #expect(read.problems.isEmpty)
        #expect(read.startProblems.map(\.message) == Self.expected.map { "config.vm.disk: " + $0 })
    }

    @Test func goodDisksPass() throws {
        let folder = try TemporaryFolder("boxer-disk-checks")
        try Data("iso".utf8).write(to: folder.path("tools.iso"))
        let read = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "x"
                  config.vm.disk :disk, size: "40GB", primary: true
                  config.vm.disk :disk, name: "data", size: 1073741824
                  config.vm.disk :dvd, name: "tools", file: "tools.iso"
                end
                """, directory: folder.url.path, environment: ["VAGRANT_EXPERIMENTAL": "disks"])
        #expect(read.problems.isEmpty && read.startProblems.isEmpty)
    }
}
