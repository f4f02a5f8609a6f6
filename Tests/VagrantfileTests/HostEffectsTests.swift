import BoxerSupport
import BoxerTestSupport
import Foundation
import Testing

@testable import Vagrantfile

/// A Vagrantfile is its user's program: read for a command (`HostEffects.performed`) its shell
/// commands run, `$?` is set and `exit`/`abort` end the command, as under Vagrant. Read as
/// generated input (`.refused`, the default of every in-memory reading and of the fuzzer) none
/// of that acts on the host.
@Suite struct HostEffectsTests {
    static func read(_ source: String, in folder: TemporaryFolder, effects: HostEffects = .performed, arguments: [String] = [])
        throws -> VagrantEnvironment
    {
        try VagrantfileLoader.evaluate(
            source: source, directory: folder.url.path, environment: ProcessInfo.processInfo.environment, effects: effects,
            arguments: arguments)
    }

    static func values(_ source: String, in folder: TemporaryFolder) throws -> [String] {
        try read(source, in: folder).output
    }

    @Test func backticksReturnTheOutputAndSetTheStatus() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values(
            """
            name = "boxer"
            out = `printf '%s' "#{name}"; echo " here"`
            ok = $?.success?
            bad = %x(echo partial; exit 3)
            $stdout.write("")
            print out.strip, "|", ok, "|", bad.strip, "|", $?.exitstatus, "|", $?.success?, "\\n"
            """, in: folder)
        #expect(lines == ["boxer here|true|partial|3|false"])
    }

    @Test func aFailingCommandNeverRaises() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values(
            "out = `boxer-no-such-program-here 2>/dev/null`\nprint out.inspect, \" \", $?.exitstatus, \"\\n\"", in: folder)
        #expect(lines == ["\"\" 127"])
    }

    @Test func systemAnswersTrueFalseOrNil() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values(
            """
            a = system("true")
            b = system("exit 4")
            c = $?.exitstatus
            d = system("boxer-no-such-program-here", "x")
            print [a, b, c, d].inspect, "\\n"
            """, in: folder)
        #expect(lines == ["[true, false, 4, nil]"])
    }

    @Test func open3AndPopenReadACommandsOutput() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values(
            """
            out, status = Open3.capture2("echo hi")
            o, e, s = Open3.capture3("echo out; echo err >&2; exit 2")
            count = IO.popen("echo a; echo b") { |io| io.readlines.size }
            print out.strip, " ", status.success?, " ", o.strip, " ", e.strip, " ", s.exitstatus, " ", count, "\\n"
            """, in: folder)
        #expect(lines == ["hi true out err 2 2"])
    }

    /// Several arguments (or popen's array) are a program and its arguments, without a shell.
    @Test func open3AndPopenTakeAProgramAndItsArguments() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values(
            """
            out, status = Open3.capture2("printf", "%s-%s", "a b", "$HOME")
            both, _ = Open3.capture2e("sh", "-c", "echo out; echo err >&2")
            piped = IO.popen(["printf", "%s", "x y"]).read
            puts out, status.success?, both.split.sort.join(","), piped, `sh -c 'nosuch-boxer-zz' 2>&1`.split(":").first
            """, in: folder)
        #expect(lines == ["a b-$HOME\ntrue\nerr,out\nx y\nsh"])
    }

    /// kubespray's `FileUtils.rm_f(link); FileUtils.ln_s(target, link)` on every reading: a
    /// dangling link left by the last one is removed, as Ruby's rm_f (lstat) removes it.
    @Test func rmfRemovesADanglingLink() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let source = """
            link = File.join(__dir__, "inventory")
            FileUtils.rm_f(link)
            FileUtils.ln_s(File.join(__dir__, "missing-target"), link)
            puts File.symlink?(link)
            """
        #expect(try Self.values(source, in: folder) == ["true"])
        #expect(try Self.values(source, in: folder) == ["true"], "the second reading finds the dangling link and replaces it")
    }

    /// kubespray again, with its inventory folder there: rm_f removes the link, never the files
    /// of the folder it points to (Foundation's removeItem emptied it).
    @Test func removingALinkToAFolderLeavesTheFolder() throws {
        let folder = try TemporaryFolder("boxer-effects")
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("inventory/sample"), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: folder.url.appendingPathComponent("inventory/sample/hosts"))
        let source = """
            link = File.join(__dir__, "inventory-link")
            FileUtils.rm_f(link)
            FileUtils.ln_s(File.join(__dir__, "inventory", "sample"), link)
            FileUtils.ln_sf(File.join(__dir__, "inventory", "sample"), File.join(__dir__, "other-link"))
            FileUtils.ln_sf(File.join(__dir__, "inventory"), File.join(__dir__, "other-link"))
            FileUtils.rm_f(File.join(__dir__, "inventory-link"))
            FileUtils.rm_f(File.join(__dir__, "inventory"))
            puts File.symlink?(link), File.exist?(File.join(__dir__, "inventory", "sample", "hosts"))
            """
        #expect(try Self.values(source, in: folder) == ["false\ntrue"])
        #expect(try Self.values(source, in: folder) == ["false\ntrue"])
        var message = "no error"
        do { _ = try Self.values("FileUtils.rm(File.join(__dir__, \"inventory\"))", in: folder) } catch { message = "\(error)" }
        #expect(message.contains("Is a directory @ rm"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("inventory/sample/hosts").path))
    }

    @Test func commandsSeeTheEnvironmentTheFileSet() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values("ENV[\"BOXER_TEST_VALUE\"] = \"from-the-file\"\nputs `echo $BOXER_TEST_VALUE`", in: folder)
        #expect(lines == ["from-the-file"])
        #expect(ProcessInfo.processInfo.environment["BOXER_TEST_VALUE"] == nil)
    }

    @Test func exitAndAbortEndTheReadingWithTheirStatus() throws {
        let folder = try TemporaryFolder("boxer-effects")
        for (source, status) in [("exit", 0), ("exit 3", 3), ("exit(false)", 1), ("exit!", 0), ("abort", 1)] {
            let error = try #require(throws: VagrantfileError.self) { try Self.read("x = 1\n\(source)\nputs 'never'", in: folder) }
            #expect(error.kind == .exit)
            #expect(error.exitCode == Int32(status), "\(source)")
            #expect(error.description == "", "exit says nothing more")
            #expect(error.exitStatus.rawValue == Int32(status))
        }
    }

    @Test func argvIsTheCommandLine() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let environment = try Self.read("p ARGV\nputs ARGV[0]", in: folder, arguments: ["status", "web"])
        #expect(environment.output == ["[\"status\", \"web\"]", "status"])
    }

    @Test func thePluginInstallDanceGoesOnWithAWarning() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let environment = try Self.read(
            """
            unless Vagrant.has_plugin?("vagrant-vbguest")
              if system("vagrant plugin install vagrant-vbguest")
                exec "vagrant #{ARGV.join(' ')}"
              else
                abort "Installation of one or more plugins has failed. Aborting."
              end
            end
            """, in: folder)
        #expect(environment.warnings.map(\.message).contains { $0.contains("installs the Vagrant plugin vagrant-vbguest") })
    }

    @Test func randomNumbersStayInTheirRange() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values(
            """
            a = (1..100).map { rand(10) }
            b = Random.new(7).rand(1..6)
            c = rand
            print a.all? { |x| x >= 0 && x < 10 }, " ", (1..6).include?(b), " ", c >= 0 && c < 1, "\\n"
            """, in: folder)
        #expect(lines == ["true true true"])
    }

    @Test func filesAreWrittenAsRubyWritesThem() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let lines = try Self.values(
            """
            FileUtils.mkdir_p("generated/deep")
            File.write("generated/a.txt", "one\\n")
            File.open("generated/deep/b.txt", "w") { |f| f.puts "two"; f << "three\\n" }
            File.open("generated/a.txt", "a") { |f| f.write("four\\n") }
            FileUtils.cp("generated/a.txt", "generated/c.txt")
            FileUtils.rm_f("generated/missing.txt")
            print File.read("generated/c.txt").split.inspect, File.readlines("generated/deep/b.txt").length, "\\n"
            """, in: folder)
        #expect(lines == ["[\"one\", \"four\"]2"])
        #expect(try String(contentsOf: folder.path("generated/deep/b.txt"), encoding: .utf8) == "two\nthree\n")
    }

    /// Top-level code runs once per reading even when a box Vagrantfile is layered beneath the
    /// project (Vagrant runs the configure blocks again, never the file).
    @Test func topLevelCodeRunsOncePerReadingWithABoxLayer() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let project = try folder.folder("project")
        let count = folder.path("count.txt").path
        try Data(
            """
            `echo once >> '\(count)'`
            Vagrant.configure("2") do |config|
              config.vm.box = "test/box"
              config.vm.define "web"
              config.vm.define "db"
            end
            """.utf8
        ).write(to: project.appendingPathComponent("Vagrantfile"))
        let boxFile = folder.path("box-Vagrantfile")
        try Data("Vagrant.configure(\"2\") { |c| c.vm.hostname = \"from-box\" }\n".utf8).write(to: boxFile)
        let loader = VagrantfileLoader(
            environment: ["PATH": "/usr/bin:/bin"], currentDirectory: project.path, home: BoxerHome(root: folder.path("home")),
            effects: .performed
        ) { _ in boxFile.path }
        let environment = try loader.load()
        #expect(environment.machines.map(\.name) == ["web", "db"])
        #expect(environment.machines.allSatisfy { $0.hostname == "from-box" })
        #expect(try String(contentsOfFile: count, encoding: .utf8) == "once\n")
    }

    /// The fuzzer's and the generated-input tests' mode: nothing runs, nothing is written, the
    /// reading never sleeps or exits; each is refused at its line.
    @Test func refusedEffectsDoNothingToTheHost() throws {
        let folder = try TemporaryFolder("boxer-effects")
        let marker = folder.path("marker").path
        for source in ["`touch '\(marker)'`", "%x(touch '\(marker)')", "system(\"touch '\(marker)'\")", "system(\"touch\", \"\(marker)\")"]
        {
            let error = try #require(throws: VagrantfileError.self) {
                try VagrantfileLoader.evaluate(source: "x = 1\n" + source, directory: folder.url.path)
            }
            #expect(error.kind == .unsupported)
            #expect(error.location?.line == 2)
            #expect(error.message.hasSuffix("is refused here: this reading of the Vagrantfile may not act on the host"))
        }
        for source in ["exit", "abort 'x'", "sleep 100"] {
            let error = try #require(throws: VagrantfileError.self) {
                try VagrantfileLoader.evaluate(source: source, directory: folder.url.path)
            }
            #expect(error.kind == .unsupported, "\(source)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker))
    }
}
