import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

/// Issue 14, finding 7: `box remove` deleted a box a machine still used (the machine could never
/// boot again: its disk is a linked clone of the box's image). Like Vagrant, boxer refuses
/// without a terminal to ask on, listing the machines, unless --force.
@Suite(.serialized) struct BoxInUseTests {
    /// A machine of `project` recorded as made from cli/box 0 (libvirt), as `up` records it: its
    /// folder's `id` and `index_uuid`, and its entry in the machine index.
    static func recordMachine(home: URL, project: URL, uuid: String = "0123456789abcdef0123456789abcdef") throws {
        let folder = project.appendingPathComponent(".vagrant/machines/web/qemu")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("0f3c9a52-6d1e-4b7a-9c2e-5a8d7f6e1b20".utf8).write(to: folder.appendingPathComponent("id"))
        try Data(uuid.utf8).write(to: folder.appendingPathComponent("index_uuid"))
        let index = home.appendingPathComponent("data/machine-index")
        try FileManager.default.createDirectory(at: index, withIntermediateDirectories: true)
        let entry: [String: Any] = [
            "name": "web", "provider": "qemu", "state": "running", "vagrantfile_path": project.path,
            "local_data_path": project.path + "/.vagrant",
            "extra_data": ["box": ["name": "cli/box", "provider": "libvirt", "version": "0"]],
        ]
        let document: [String: Any] = ["version": 1, "machines": [uuid: entry]]
        try JSONSerialization.data(withJSONObject: document).write(to: index.appendingPathComponent("index"))
    }

    @Test func removeRefusesWhileAMachineUsesTheBox() throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("cli.box")
        #expect(try CommandLineTests.boxer(["box", "add", "--name", "cli/box", box.path], home: fixture.home.root).status == 0)
        let project = try fixture.temp.folder("project")
        try Self.recordMachine(home: fixture.home.root, project: project)

        let refused = try CommandLineTests.boxer(["box", "remove", "cli/box"], home: fixture.home.root)
        #expect(refused.status != 0)
        #expect(refused.error.contains("still used by these machines"), "\(refused.error)")
        #expect(refused.error.contains("web (ID: 0123456) in \(project.path)"), "\(refused.error)")
        #expect(refused.error.contains("--force"))
        #expect(fixture.boxesTree.contains { $0.hasSuffix("libvirt/metadata.json") }, "the box is still installed")

        // A machine that is gone (its folder no longer records it) does not hold the box.
        try FileManager.default.removeItem(at: project.appendingPathComponent(".vagrant"))
        let free = try CommandLineTests.boxer(["box", "remove", "cli/box"], home: fixture.home.root)
        #expect(free.status == 0, "\(free.error)")
    }

    @Test func forceRemovesABoxInUse() throws {
        let fixture = try StoreFixture()
        let box = try fixture.makeBox("cli.box")
        #expect(try CommandLineTests.boxer(["box", "add", "--name", "cli/box", box.path], home: fixture.home.root).status == 0)
        try Self.recordMachine(home: fixture.home.root, project: try fixture.temp.folder("project"))
        let forced = try CommandLineTests.boxer(["box", "remove", "cli/box", "--force"], home: fixture.home.root)
        #expect(forced.status == 0, "\(forced.error)")
        #expect(!fixture.boxesTree.contains { $0.hasSuffix("metadata.json") })
    }

    /// Finding 15: `validate` passed what `up` refused (after creating the machine). What Vagrant's
    /// own validation refuses, boxer's refuses in its words.
    @Test(arguments: [
        ("config.vm.network \"forwarded_port\", guest: 80, host: 0", "Ports to forward must be 1 to 65535"),
        ("config.vm.network \"forwarded_port\", guest: 80", "Forwarded port definitions require a \"host\" and \"guest\" value"),
        ("config.vm.network \"hostonly\", ip: \"192.168.40.7\"", "Network type 'hostonly' is invalid."),
    ])
    func validateRefusesWhatUpRefuses(_ line: String, _ message: String) throws {
        let validate = try Self.validate(line)
        #expect(validate.status != 0, "\(line)")
        #expect(validate.error.contains(message), "\(validate.error)")
    }

    /// Issue 16: Vagrant's `validate` accepts any private network address (its providers decide
    /// at `up`), so boxer's validation passes too, and says what `up` will refuse.
    @Test(arguments: [
        ("config.vm.network \"private_network\", ip: \"192.168.40.1\"", "is the network's own address"),
        ("config.vm.network \"private_network\", ip: \"192.168.40.255\"", "private_network ip 192.168.40.255"),
        ("config.vm.network \"private_network\", ip: \"192.168.40.0\"", "private_network ip 192.168.40.0"),
        (
            "config.vm.network \"private_network\", ip: \"192.168.40.7\", netmask: \"255.255.0.0\"",
            "netmask \"255.255.0.0\" is not supported"
        ),
        (
            "config.vm.network \"private_network\", ip: \"192.168.40.7\"\n  config.vm.network \"private_network\", ip: \"192.168.41.7\"",
            "has 2 private networks"
        ),
        ("config.vm.network \"private_network\", ip: \"10.0.0.300\"", "10.0.0.300"),
        // Vagrant leaves these to the provider, which fails as the machine starts; `up` checks
        // them before it creates anything.
        ("config.vm.network \"forwarded_port\", guest: 80, host: 8080, host_ip: \"localhost:1\"", "is not an IPv4 address"),
        ("config.vm.usable_port_range = 3000..2000", "usable_port_range"),
        ("config.vm.network \"forwarded_port\", guest: 80, host: 8080, protocol: \"icmp\"", "is not tcp or udp"),
        ("config.vm.boot_timeout = \"soon\"", "boot_timeout must be a number of seconds, not soon"),
    ])
    func validateWarnsOfWhatUpRefuses(_ line: String, _ message: String) throws {
        let validate = try Self.validate(line)
        #expect(validate.status == 0, "\(validate.error)")
        #expect(validate.error.contains("`boxer up` will refuse this: "), "\(validate.error)")
        #expect(validate.error.contains(message), "\(validate.error)")
    }

    static func validate(_ line: String) throws -> ProgramRun {
        let fixture = try StoreFixture()
        let project = try fixture.temp.folder("project")
        try Data("Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"cli/box\"\n  \(line)\nend\n".utf8).write(
            to: project.appendingPathComponent("Vagrantfile"))
        return try CommandLineTests.boxer(["validate"], home: fixture.home.root, directory: project)
    }
}
