import BoxerTestSupport
import Foundation
import Testing

/// The box's own Vagrantfile as the lowest layer of a machine's configuration, read through
/// `boxer validate --json` against a box store laid out as Vagrant lays it out.
@Suite struct BoxVagrantfileTests {
    /// A box in the store as `vagrant package` leaves it: a Vagrantfile that sets the base MAC
    /// and loads `include/_Vagrantfile` (the user's `--vagrantfile`) if present.
    static func installBox(
        home: URL, name: String, version: String, architecture: String? = nil, provider: String = "libvirt", include: String?
    ) throws {
        var folder = home.appendingPathComponent("boxes/\(name.replacingOccurrences(of: "/", with: "-VAGRANTSLASH-"))/\(version)")
        if let architecture { folder.appendPathComponent(architecture) }
        folder.appendPathComponent(provider)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("include"), withIntermediateDirectories: true)
        try Data(#"{"format":"qcow2","provider":"libvirt","virtual_size":1}"#.utf8).write(
            to: folder.appendingPathComponent("metadata.json"))
        try Data(
            """
            Vagrant.configure("2") do |config|
              config.vm.base_mac = "52540012\(version.replacingOccurrences(of: ".", with: ""))"
            end

            # Load include vagrant file if it exists after the auto-generated
            # so it can override any of the settings
            include_vagrantfile = File.expand_path("../include/_Vagrantfile", __FILE__)
            load include_vagrantfile if File.exist?(include_vagrantfile)

            """.utf8
        ).write(to: folder.appendingPathComponent("Vagrantfile"))
        if let include {
            try Data(include.utf8).write(to: folder.appendingPathComponent("include/_Vagrantfile"))
        }
    }

    static func validate(project: String, home: URL, folder: URL, extra: [String: String] = [:]) throws -> (
        run: ProgramRun, machines: [[String: Any]]
    ) {
        let binary = try #require(BoxerBinary.url, "build boxer first (swift build)")
        try Data(project.utf8).write(to: folder.appendingPathComponent("Vagrantfile"))
        var environment = ["HOME": home.path, "BOXER_HOME": home.path, "PATH": "/usr/bin:/bin", "BOXER_HOST_ARCHITECTURE": "amd64"]
        environment.merge(extra) { $1 }
        let run = try ProgramRun.run(binary.path, ["validate", "--json"], environment: environment, directory: folder)
        guard run.status == 0 else { return (run, []) }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        return (run, try #require(json["machines"] as? [[String: Any]]))
    }

    static func memory(_ machine: [String: Any], _ provider: String = "qemu") -> Int? {
        let providers = machine["providers"] as? [String: Any]
        let values = (providers?[provider] as? [String: Any])?["values"] as? [String: Any]
        return values?["memory"] as? Int
    }

    @Test func boxVagrantfileIsTheLowestLayer() throws {
        let temporary = try TemporaryFolder("boxer-box-vagrantfile")
        let home = try temporary.folder("home")
        let project = try temporary.folder("project")
        try Self.installBox(
            home: home, name: "acme/tiny", version: "1.0.0",
            include: """
                Vagrant.configure("2") do |config|
                  config.ssh.username = "acme"
                  config.vm.boot_timeout = 77
                  config.vm.provider "qemu" do |q|
                    q.memory = 1024
                    q.cpus = 3
                  end
                end
                """)
        let (run, machines) = try Self.validate(
            project: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "acme/tiny"
                  config.vm.provider "qemu" do |q|
                    q.memory = 2048
                  end
                  config.vm.define "with_box"
                  config.vm.define "other_box" do |other|
                    other.vm.box = "acme/missing"
                  end
                end
                """, home: home, folder: project)
        #expect(run.status == 0, "\(run.error)")
        let withBox = try #require(machines.first { $0["name"] as? String == "with_box" })
        let ssh = withBox["ssh"] as? [String: Any]
        #expect(ssh?["username"] as? String == "acme", "from the box's include/_Vagrantfile")
        #expect(withBox["bootTimeout"] as? Int == 77)
        #expect(withBox["baseMAC"] as? String == "52540012100", "from the box's own Vagrantfile")
        #expect(Self.memory(withBox) == 2048, "the project's setting wins over the box's")
        let providers = withBox["providers"] as? [String: Any]
        #expect(
            ((providers?["qemu"] as? [String: Any])?["values"] as? [String: Any])?["cpus"] as? Int == 3,
            "the box's setting stays where the project sets none")

        let other = try #require(machines.first { $0["name"] as? String == "other_box" })
        #expect((other["ssh"] as? [String: Any])?["username"] == nil, "a box that is not installed adds nothing")
        #expect(other["bootTimeout"] as? Int == 300)
    }

    @Test func newestVersionMatchingTheRequirementAndArchitectureIsUsed() throws {
        let temporary = try TemporaryFolder("boxer-box-versions")
        let home = try temporary.folder("home")
        let project = try temporary.folder("project")
        try Self.installBox(home: home, name: "acme/tiny", version: "1.0.0", include: nil)
        try Self.installBox(home: home, name: "acme/tiny", version: "1.5.0", architecture: "amd64", include: nil)
        try Self.installBox(home: home, name: "acme/tiny", version: "1.9.0", architecture: "arm64", include: nil)
        try Self.installBox(home: home, name: "acme/tiny", version: "2.0.0", include: nil)
        try Self.installBox(home: home, name: "acme/tiny", version: "1.7.0", provider: "virtualbox", include: nil)
        let (run, machines) = try Self.validate(
            project: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "acme/tiny"
                  config.vm.box_version = "< 2"
                end
                """, home: home, folder: project)
        #expect(run.status == 0, "\(run.error)")
        // 2.0.0 is excluded by the requirement, 1.9.0 is for another architecture and 1.7.0 for
        // another provider: 1.5.0 (amd64) is the newest that fits.
        #expect(machines.first?["baseMAC"] as? String == "52540012150")
    }

    @Test func errorsInTheBoxVagrantfileNameItsFile() throws {
        let temporary = try TemporaryFolder("boxer-box-broken")
        let home = try temporary.folder("home")
        let project = try temporary.folder("project")
        try Self.installBox(
            home: home, name: "acme/tiny", version: "1.0.0",
            include: "Vagrant.configure(\"2\") do |config|\n  config.vm.box_check_update = (\nend\n")
        let (run, _) = try Self.validate(
            project: "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"acme/tiny\"\nend\n", home: home, folder: project)
        #expect(run.status != 0)
        #expect(run.error.contains("boxes/acme-VAGRANTSLASH-tiny/1.0.0/libvirt/include/_Vagrantfile:3:"), "\(run.error)")
    }
}
