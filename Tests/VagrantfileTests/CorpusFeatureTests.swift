import BoxerTestSupport
import Foundation
import Testing

@testable import Vagrantfile

/// What the development corpus of real projects needed (issue 16): each case is written after
/// a construct one of them uses, with the answer Ruby 3.1 or vagrant 2.3.4 gave for it.
@Suite struct CorpusFeatureTests {
    static func output(_ source: String) throws -> [String] {
        try VagrantfileLoader.evaluate(source: source).output
    }

    /// The calls of a Docker or Podman provisioner's block are kept as Vagrant's config keeps
    /// them: containers in the order first run, a second `run` of a name merged into the first.
    @Test func containerProvisionerCallsAreKept() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "b"
                  config.vm.provision "docker" do |d|
                    d.pull_images "redis", "ubuntu:22.04"
                    d.build_image "/vagrant/app", args: "-t app"
                    d.run "web", image: "nginx", args: "-p 80:80"
                    d.run "db"
                    d.run "web", cmd: "nginx -g 'daemon off;'"
                  end
                end
                """)
        let options = try #require(environment.machines.first?.provisioners.first?.options)
        #expect(options["images"] == .array([.string("redis"), .string("ubuntu:22.04")]))
        #expect(options["build_images"] == .array([.object(["path": .string("/vagrant/app"), "args": .string("-t app")])]))
        #expect(
            options["containers"]
                == .array([
                    .object([
                        "name": .string("web"), "image": .string("nginx"), "args": .string("-p 80:80"),
                        "cmd": .string("nginx -g 'daemon off;'"),
                    ]),
                    .object(["name": .string("db")]),
                ]))
        #expect(!environment.warnings.contains { $0.message.contains("docker") }, "docker is run, not skipped")
    }

    /// kubespray and ceph-ansible: `DISK_UUID = Time.now.utc.to_i`.
    @Test func timeInUTC() throws {
        let lines = try Self.output(
            """
            u = Time.at(1700000000.25).utc
            puts u.to_s, u.year, u.hour, u.strftime("%Y-%m-%dT%H:%M:%S.%L %z %j %a %b"), u.to_i, (u + 60).to_s, u.utc?
            puts Time.now.utc.to_i > 1700000000
            """)
        #expect(
            lines == [
                "2023-11-14 22:13:20 UTC\n2023\n22\n2023-11-14T22:13:20.250 +0000 318 Tue Nov\n1700000000\n2023-11-14 22:14:20 UTC\ntrue",
                "true",
            ])
    }

    /// Homestead: `synced_folder a, b, type: folder["type"] ||= nil, **options`.
    @Test func anAssignmentInsideAnArgumentEndsAtItsComma() throws {
        let lines = try Self.output(
            """
            def f(*a, **k); p a, k; end
            h = {}
            o = { x: 1 }
            f 1, type: h["t"] ||= nil, **o
            x = 1, 2
            p x
            """)
        #expect(lines == ["[1]\n{:type=>nil, :x=>1}", "[1, 2]"])
    }

    /// playa-mesos: a settings class answering its JSON keys through method_missing.
    @Test func methodMissingAndRespondTo() throws {
        let lines = try Self.output(
            """
            class Settings
              def initialize(h); @settings = h; end
              def method_missing(sym, *args, &block)
                if @settings.include?(sym.to_s)
                  return @settings[sym.to_s]
                else
                  super(sym, *args, &block)
                end
              end
              def respond_to?(sym, include_private = false)
                @settings.include?(sym.to_s) || super(sym, include_private)
              end
              def label; box_name + ".box"; end
            end
            s = Settings.new("box_name" => "base")
            puts s.box_name, s.label, s.respond_to?(:box_name), s.respond_to?(:other), s.respond_to?(:label)
            begin
              s.other
            rescue NoMethodError => e
              puts e.message
            end
            """)
        #expect(lines == ["base\nbase.box\ntrue\nfalse\ntrue", "undefined method 'other' for an instance of Settings"])
    }

    /// elastic: every defined machine adjusted at once through `config.vm.defined_vms`.
    @Test func definedMachinesCanBeAdjusted() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "base"
                  config.vm.define "one" do |m| m.vm.hostname = "one" end
                  config.vm.define "two", primary: true do |m| m.vm.hostname = "two" end
                  config.vm.defined_vms.each do |name, vm|
                    vm.options[:autostart] = false
                    vm.config_procs.push ["2", lambda { |c| c.vm.provision "shell", inline: "echo #{name}" }]
                  end
                end
                """)
        #expect(environment.machines.map(\.name) == ["one", "two"])
        #expect(environment.machines.map(\.autostart) == [false, false])
        #expect(environment.machines.map(\.primary) == [false, true])
        #expect(environment.machines.map { $0.provisioners.map(\.inline) } == [["echo one"], ["echo two"]])
    }

    /// redhat-beyond/tiger: project plugins boxer does not have stop the reading, as they stop
    /// vagrant without a terminal; the plugins boxer implements pass.
    @Test func projectPluginsBoxerDoesNotHaveAreAnError() throws {
        var message = "no error"
        do {
            _ = try VagrantfileLoader.evaluate(
                source: "Vagrant.configure(\"2\") do |config|\n  config.vagrant.plugins = [\"vagrant-libvirt\", \"vagrant-aws\"]\nend\n")
        } catch {
            message = "\(error)"
        }
        #expect(message.contains("Vagrantfile:2:"), "\(message)")
        #expect(message.contains("needs Vagrant plugin that boxer does not have: vagrant-aws"), "\(message)")
        let fine = try VagrantfileLoader.evaluate(
            source:
                "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"b\"\n  config.vagrant.plugins = {\"vagrant-libvirt\" => {}}\n  config.vagrant.sensitive = \"x\"\nend\n"
        )
        #expect(fine.problems.isEmpty)
    }

    /// A Hyper-V project's SMB share: vagrant refuses it on Linux, in its own words.
    @Test func smbFoldersAreRefusedOnLinux() throws {
        let environment = try VagrantfileLoader.evaluate(
            source:
                "Vagrant.configure(\"2\") do |config|\n  config.vm.box = \"b\"\n  config.vm.synced_folder \"/tmp\", \"/vagrant\", type: \"smb\"\nend\n"
        )
        #if os(Linux)
            #expect(
                environment.problems.map(\.message) == [
                    "vm: It appears your machine doesn't support SMB, has not been properly configured for SMB, or there is not an adapter to enable SMB on this machine for Vagrant. Ensure SMB host functionality is available on this machine and try again."
                ])
        #endif
    }

    /// ceph-ansible: `File.join(Pathname.new(__FILE__).expand_path.dirname, ".vagrant", name)`.
    @Test func aPathnameIsItsPathWhereAPathIsTaken() throws {
        let lines = try Self.output("d = Pathname.new(\"/srv/p/Vagrantfile\").dirname\np File.join(d, \".vagrant\", \"x\"), \"#{d}/y\"\n")
        #expect(lines == ["\"/srv/p/.vagrant/x\"\n\"/srv/p/y\""])
    }

    /// Plain YAML scalars as Ruby 3.1's Psych reads them (the expected line is what
    /// `YAML.unsafe_load` printed for the same list, the date left out).
    @Test func yamlScalarsAsPsychReadsThem() throws {
        let items = [
            "1_000", "0x1F", "010", "1:30", "12:30:45", "1e3", ".5", "+1", "\"-\"", "1.2.3", "~", "Yes", "NULL", "0b101", "1.", "1.5e+3",
            "1.5e3", "1,000", "08", "-.inf", "abc123", "12abc", "0.1", "-0", "1_0.5", "yes_please", "on", "8080:80", "4513e79", "0o17",
            "3.14", "-12", "1:30.5", "",
        ]
        let document = items.map { "- \($0)" }.joined(separator: "\n")
        let lines = try Self.output("p YAML.load(<<~YAML)\n\(document)\nYAML\n")
        #expect(
            lines == [
                #"[1000, 31, 8, 5400, 45045, "1e3", 0.5, 1, "-", "1.2.3", nil, true, nil, 5, 1.0, 1500.0, "1.5e3", 1000, "08", -Infinity, "abc123", "12abc", 0.1, 0, 10.5, "yes_please", true, "8080:80", "4513e79", "0o17", 3.14, -12, 5430.0, nil]"#
            ])
    }

    /// playa-mesos: `URI(url)` rescued as `URI::Error`, `remove_nils` with `delete_if`; a rescue
    /// of one class no longer catches every error whose name ends the same way.
    @Test func uriHashDeleteIfAndRescueByClass() throws {
        let lines = try Self.output(
            """
            u = URI("https://user@example.com:8443/boxes/x.box?a=1#f")
            p [u.scheme, u.host, u.port, u.path, u.query, u.fragment, u.userinfo, URI("http://h/").port, URI.parse("file:///tmp/x").path]
            begin; URI("http://bad url"); rescue URI::Error => e; puts e.class; end
            begin; nil.foo; rescue URI::Error; puts "wrong"; rescue NameError => e; puts e.class; end
            begin; Integer("x"); rescue RuntimeError; puts "wrong"; rescue => e; puts e.class; end
            h = {"a" => 1, "b" => nil}
            p h.delete_if { |k, v| v.nil? }, h.reject! { |k, v| false }
            """)
        #expect(
            lines == [
                #"["https", "example.com", 8443, "/boxes/x.box", "a=1", "f", "user", 80, "/tmp/x"]"#, "URI::InvalidURIError",
                "NoMethodError",
                "ArgumentError", #"{"a"=>1}"# + "\nnil",
            ])
    }

    /// playa-mesos: `JSON.load(File.open(path))`; `YAML.load_file(File.open(path))` (a kubeadm lab).
    @Test func dataLoadsReadOpenFiles() throws {
        let folder = try TemporaryFolder("boxer-corpus-features")
        try Data("{\"box_name\": \"base\", \"n\": 2}".utf8).write(to: folder.url.appendingPathComponent("config.json"))
        try Data("a: [1, yes]\n".utf8).write(to: folder.url.appendingPathComponent("config.yaml"))
        let lines = try VagrantfileLoader.evaluate(
            source:
                "p JSON.load(File.open(File.join(__dir__, \"config.json\")))\np YAML.load(File.open(File.join(__dir__, \"config.yaml\")))\n"
                + "p YAML.load_file(File.open(File.join(__dir__, \"config.yaml\")))\n",
            directory: folder.url.path
        ).output
        #expect(lines == ["{\"box_name\"=>\"base\", \"n\"=>2}", "{\"a\"=>[1, true]}", "{\"a\"=>[1, true]}"])
    }

    /// Vagrant's finalize! runs every provider's blocks, whichever provider is used (checked
    /// against vagrant 2.3.4), so their commands run; and `.vagrant` is there before the file is read.
    @Test func everyProvidersBlocksRunAsInVagrant() throws {
        let folder = try TemporaryFolder("boxer-corpus-features")
        let marker = folder.url.appendingPathComponent("ran").path
        let loader = VagrantfileLoader(
            environment: ["HOME": folder.url.path, "BOXER_HOME": folder.url.path], currentDirectory: folder.url.path, effects: .performed)
        try Data(
            """
            File.write(".vagrant/seen", "yes") if Dir.exist?(".vagrant")
            Vagrant.configure("2") do |config|
              config.vm.box = "base"
              config.vm.provider :vmware_desktop do |v|
                `touch \(marker)`
                v.vmx["memsize"] = "2048"
              end
              config.vm.provider :qemu do |q|
                q.memory = 1024
              end
            end

            """.utf8
        ).write(to: folder.url.appendingPathComponent("Vagrantfile"))
        let environment = try loader.load()
        #expect(FileManager.default.fileExists(atPath: marker), "the VMware block ran, as Vagrant runs it")
        #expect(environment.machines.first?.providers["qemu"]?.memory == 1024)
        #expect(environment.machines.first?.providerOrder == ["vmware_desktop", "qemu"])
        #expect(
            FileManager.default.fileExists(atPath: folder.url.appendingPathComponent(".vagrant/seen").path),
            "made before reading, as Vagrant does")
    }

    /// `nodes.each do |node| name = node[0]`: a hash yields its [key, value] pair to a one-parameter
    /// block, except select/filter/reject, which yield the key (Ruby 3.1 printed these lines).
    @Test func aHashYieldsItsPairToOneParameter() throws {
        let lines = try Self.output(
            """
            h = {"a" => 1, "b" => 2}
            h.each { |node| p node }
            p h.map { |n| n[0] }, h.select { |n| n == "a" }, h.find { |n| n[1] == 2 }, h.count { |k, v| v > 1 }
            h.each_pair { |k, v| puts "#{k}=#{v}" }
            """)
        #expect([lines.joined(separator: "\n")] == ["[\"a\", 1]\n[\"b\", 2]\n[\"a\", \"b\"]\n{\"a\"=>1}\n[\"b\", 2]\n1\na=1\nb=2"])
    }

    /// `JSON.parse(File.read("nodes.json"), object_class: OpenStruct)` then `node[:name]` and `node.box`.
    @Test func jsonObjectsAsOpenStructs() throws {
        let lines = try Self.output(
            """
            nodes = JSON.parse('[{"name": "m1", "cpu": {"n": 2}}]', object_class: OpenStruct)
            nodes.each { |n| puts n[:name], n.name, n.cpu.n, n.box.inspect }
            p JSON.parse('{"a": 1}', object_class: Hash), OpenStruct
            """)
        #expect([lines.joined(separator: "\n")] == ["m1\nm1\n2\nnil\n{\"a\"=>1}\nOpenStruct"])
    }

    /// Vagrant checks a synced folder's options given in braces too, and any `type:` it was given,
    /// even "", against the synced folder types it knows (vagrant 2.3.4 with vagrant-libvirt's words).
    @Test func syncedFolderOptionsInBracesAndTheirTypeAreChecked() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "b"
                  config.vm.synced_folder "/tmp", "/a", type: ""
                  config.vm.synced_folder "/tmp", "/b", type: :rsync, mount_options: "ro"
                  config.vm.synced_folder "/tmp", "/c", { type: "nfs" }
                  config.vm.synced_folder "/tmp", "/d", type: "9p"
                end
                """)
        #expect(
            environment.problems.map(\.message) == [
                "vm: The type '' is not a valid synced folder type. If 'type' is not specified, Vagrant will automatically choose the best synced folder option for your guest. Otherwise, please pick from the following available options: virtualbox, docker, smb, rsync, nfs, 9p, virtiofs, parallels, vmware",
                "vm: Shared folder mount options specified by 'mount_options' must be an array of options.",
            ])
        #expect(environment.machines.first?.syncedFolders.first { $0.guestPath == "/c" }?.type == "nfs")
    }

    /// Nordix's k8s-ipv6 marks every machine primary: Vagrant takes the first and says nothing.
    @Test func severalPrimaryMachinesTakeTheFirst() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "b"
                  %w(k1 k2).each { |name| config.vm.define name, primary: true }
                end
                """)
        #expect(environment.primaryMachine?.name == "k1")
        #expect(environment.problems.isEmpty)
        #expect(environment.warnings.map(\.message).contains { $0.contains("the first, k1, is the primary machine") })
    }

    /// A third fresh corpus: `host_name` is Vagrant's alias of `hostname`; a provisioner no plugin
    /// provides, an ansible provisioner without a playbook and a missing salt minion_config are
    /// errors in vagrant 2.3.4's words; `Pathname(path)` is Pathname.new(path).
    @Test func provisionerTypesAndTheirFilesAreChecked() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.box = "b"
                  config.vm.host_name = "node1"
                  config.vm.provision :hosts
                  config.vm.provision "sync", type: "reload"
                  config.vm.provision "ansible"
                  config.vm.provision :salt do |salt|
                    salt.minion_config = "salt/nowhere"
                  end
                  puts Pathname("/tmp").exist?
                end
                """, directory: "/srv/none")
        #expect(environment.machines.first?.hostname == "node1")
        #expect(
            environment.problems.map(\.message) == [
                "vm: The 'hosts' provisioner could not be found.",
                "vm: The 'sync' provisioner could not be found.",
                "ansible remote provisioner: `playbook` file path must be set.",
                "salt provisioner: The specified minion_config '/srv/none/salt/nowhere' file could not be found.",
            ])
        #expect(environment.output == ["true"])
    }

    /// vagrant 2.3.4's checks of `config.vm` itself: not an empty box, a hostname of letters,
    /// digits, '-' and '.', and absolute guest paths.
    @Test func vagrantsOwnMachineChecks() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.define "a" do |a|
                    a.vm.hostname = "web_1"
                    a.vm.synced_folder "/tmp", "relative/path"
                    a.vm.synced_folder "/tmp", "C:/vagrant"
                  end
                  config.vm.define "b" do |b|
                    b.vm.box = ""
                  end
                  config.vm.define "c" do |c|
                    c.vm.box = "fine"
                    c.vm.hostname = "db-1.example.test"
                  end
                end
                """)
        #expect(
            environment.problems.map(\.message) == [
                "vm: The shared folder guest path must be absolute: relative/path",
                "vm: The hostname set for the VM 'a' should only contain letters, numbers, hyphens or dots. It cannot start with a hyphen or dot.",
                "vm: Box value for guest 'b' is an empty string.",
                "vm: A box must be specified.",
            ])
    }

    /// A shell step that only reboots needs no script; `inline` and `path` together is a problem
    /// (not an error that stops `status`); `vm.clone` and `ssh.ssh_command` are Vagrant's settings.
    @Test func shellStepsAndLesserKnownSettings() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  config.vm.clone = "/srv/base"
                  config.ssh.ssh_command = "ssh"
                  config.vm.provision "shell", reboot: true
                  config.vm.provision "shell", inline: "x", path: "/bin/true"
                end
                """)
        #expect(environment.machines.map(\.name) == ["default"])
        #expect(environment.problems.map(\.message) == ["shell provisioner: Only one of `path` or `inline` may be set."])
    }
}
