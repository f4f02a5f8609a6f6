import BoxStore
import BoxerSupport
import BoxerTestSupport
import Foundation
import Machines
import Testing
import Vagrantfile

@testable import Providers

/// The plugin host against misbehaving plugins: small shell scripts that crash, hang, print
/// garbage, speak another protocol version or another name. boxer must go on with an error
/// that names the plugin and what it did, and a hung plugin must be gone afterwards. (The
/// well-behaved case, a real guest behind boxer-provider-example, is in the conformance suite.)
@Suite struct PluginHostTests {
    static let hello = #"{"type":"hello","protocol":"boxer-provider","version":1,"name":"NAME","box_formats":["libvirt"]}"#

    /// A `boxer-provider-<name>` script in a fresh folder.
    static func plugin(_ name: String, _ body: String, in temporary: TemporaryFolder) throws -> String {
        let folder = try temporary.folder("plugins").path
        let path = folder + "/boxer-provider-" + name
        // Written through a close-on-exec descriptor: a program another test thread starts meanwhile
        // must not inherit it, or running the plugin fails with "text file busy" (seen once in CI-like runs).
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        try #require(descriptor >= 0, "cannot write \(path)")
        let script = Array("#!/bin/sh\n\(body.replacingOccurrences(of: "NAME", with: name))\n".utf8)
        let written = script.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        try #require(written == script.count, "cannot write \(path)")
        chmod(path, 0o755)
        return path
    }

    static func context(_ temporary: TemporaryFolder, provider: String) throws -> MachineContext {
        let project = try temporary.folder("project").path
        let machine = try #require(
            try VagrantfileLoader.evaluate(source: "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\" }", directory: project).machines.first)
        var context = MachineContext(
            machine: machine, folder: MachineFolder(projectRoot: project, machineName: machine.name, provider: provider), box: nil)
        context.forwards = [PortForward(id: "ssh", hostIP: "127.0.0.1", host: 2222, guest: 22, proto: "tcp")]
        return context
    }

    static func message(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return "(no error)"
        } catch let error as MachineError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func aPluginThatCrashesFailsTheOperationWithItsErrorOutput() async throws {
        let temporary = try TemporaryFolder("boxer-plugins")
        let path = try Self.plugin(
            "crashy", "read -r hello\necho '\(Self.hello)'\nread -r request\necho 'crashy: lost its marbles' >&2\nexit 3", in: temporary)
        let provider = ExternalProvider(executable: path)
        #expect(provider.unusable == nil && provider.name == "crashy" && provider.boxFormats == ["libvirt"])
        let message = await Self.message { try provider.checkUsable() }
        #expect(
            message.contains(path) && message.contains("exited before it answered check_usable") && message.contains("exit status 3")
                && message.contains("lost its marbles"), "\(message)")
    }

    @Test func aPluginThatHangsIsStoppedWhenItsTimeIsUp() async throws {
        let temporary = try TemporaryFolder("boxer-plugins")
        let pidFile = try temporary.folder("pids").path + "/pid"
        // exec: the hanging program is the plugin's own process, the one boxer stops.
        let hangsInHello = try Self.plugin("sleepy", "echo $$ > \(pidFile)\nexec sleep 600", in: temporary)
        let provider = ExternalProvider(executable: hangsInHello, timeouts: .init(hello: 1, query: 1, action: 1))
        #expect(!FileManager.default.fileExists(atPath: pidFile), "a plugin is started only when it is needed")
        let started = Date()
        #expect(provider.unusable?.contains("did not answer hello within 1 s, so boxer stopped it") == true, "\(provider.unusable ?? "")")
        #expect(Date().timeIntervalSince(started) < 10)
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0, "the hung plugin is gone")
        let refused = await Self.message { try provider.checkUsable() }
        #expect(refused.contains("did not answer hello"), "an unusable plugin says why whenever it is used: \(refused)")

        let hangsInRequest = try Self.plugin(
            "slow", "read -r hello\necho '\(Self.hello)'\nread -r request\necho $$ > \(pidFile)\nexec sleep 600", in: temporary)
        let slow = ExternalProvider(executable: hangsInRequest, timeouts: .init(hello: 5, query: 1, action: 1))
        let context = try Self.context(temporary, provider: "slow")
        let message = await Self.message { _ = try await slow.create(context) }
        #expect(message.contains("did not answer create within 1 s"), "\(message)")
        let second = try #require(
            pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(second, 0) != 0)
        // A machine the plugin cannot report on is not taken for gone.
        try context.folder.write("id", "m-1")
        #expect(await slow.state(context) == .aborted)

        // What a hung plugin started in its process group goes with it (qemu-img, a vendor tool).
        let childFile = try temporary.folder("pids").path + "/child"
        let withChild = try Self.plugin(
            "busy", "read -r hello\necho '\(Self.hello)'\nread -r request\nsleep 600 &\necho $! > \(childFile)\nwait", in: temporary)
        let busy = ExternalProvider(executable: withChild, timeouts: .init(hello: 5, query: 1, action: 1))
        let busyMessage = await Self.message { try busy.checkUsable() }
        #expect(busyMessage.contains("did not answer check_usable within 1 s"), "\(busyMessage)")
        let child = try #require(
            pid_t(try String(contentsOfFile: childFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        var gone = false
        // Gone, or a zombie its new parent has yet to reap.
        for _ in 0..<100 where !gone {
            let stat = (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8)) ?? ""
            gone = kill(child, 0) != 0 || stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") == true
            if !gone { usleep(20_000) }
        }
        #expect(gone, "the plugin's child is gone too")
    }

    /// A plugin that answers hello and then never reads: boxer's write of a large request
    /// cannot block past the conversation's time.
    @Test func aPluginThatStopsReadingCannotBlockBoxersWrite() async throws {
        let temporary = try TemporaryFolder("boxer-plugins")
        let pidFile = try temporary.folder("pids").path + "/pid"
        let deaf = try Self.plugin("deaf", "read -r hello\necho '\(Self.hello)'\necho $$ > \(pidFile)\nexec sleep 600", in: temporary)
        let provider = ExternalProvider(executable: deaf, timeouts: .init(hello: 5, query: 2, action: 2))
        let project = try temporary.folder("project").path
        // A 2 MiB inline script: far more than a socket buffer holds.
        let big = String(repeating: "echo boxer; ", count: 180_000)
        let machine = try #require(
            try VagrantfileLoader.evaluate(
                source: "Vagrant.configure(\"2\") { |c| c.vm.box = \"b\"; c.vm.provision \"shell\", inline: \"\(big)\" }",
                directory: project
            ).machines.first)
        let context = MachineContext(
            machine: machine, folder: MachineFolder(projectRoot: project, machineName: machine.name, provider: "deaf"), box: nil)
        let started = Date()
        let message = await Self.message { _ = try await provider.create(context) }
        // A blocked write would wait for the plugin's `sleep 600`; the bound leaves room for
        // encoding the 2 MiB request in a debug build on a busy host (seconds), not for a hang.
        #expect(Date().timeIntervalSince(started) < 120)
        #expect(message.contains("stopped reading its input") || message.contains("did not answer create"), "\(message)")
        let pid = try #require(pid_t(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) != 0)
    }

    @Test func garbageOtherVersionsAndOtherNamesAreRefused() async throws {
        let temporary = try TemporaryFolder("boxer-plugins")
        let cases: [(String, String, String)] = [
            (
                "noisy", "read -r hello\necho 'Starting up... hello world'",
                "answered hello with something that is not a boxer-provider hello: 'Starting up... hello world'"
            ),
            (
                "future",
                "read -r hello\necho '{\"type\":\"hello\",\"protocol\":\"boxer-provider\",\"version\":2,\"name\":\"future\",\"box_formats\":[\"x\"]}'",
                "speaks protocol version 2, and boxer speaks 1"
            ),
            (
                "liar",
                "read -r hello\necho '{\"type\":\"hello\",\"protocol\":\"boxer-provider\",\"version\":1,\"name\":\"other\",\"box_formats\":[\"x\"]}'",
                "calls itself 'other', but its file name says 'liar'"
            ),
            (
                "formless",
                "read -r hello\necho '{\"type\":\"hello\",\"protocol\":\"boxer-provider\",\"version\":1,\"name\":\"formless\"}'",
                "names no box formats"
            ),
            (
                "badcells",
                "read -r hello\necho '{\"type\":\"hello\",\"protocol\":\"boxer-provider\",\"version\":1,\"name\":\"badcells\",\"box_formats\":[\"x\"],\"capabilities\":{\"provider\":\"badcells\",\"hosts\":{\"linux-amd64\":{\"guests\":{\"amd64\":{\"status\":\"blocked\"}}}}}}'",
                "hosts.linux-amd64.guests.amd64 is blocked and needs a reason"
            ),
        ]
        for (name, body, expected) in cases {
            let provider = ExternalProvider(
                executable: try Self.plugin(name, body, in: temporary), timeouts: .init(hello: 5, query: 5, action: 5))
            #expect(provider.unusable?.contains(expected) == true, "\(name): \(provider.unusable ?? "(usable)")")
        }
        // Garbage in the middle of a request.
        let midway = try Self.plugin(
            "midway", "read -r hello\necho '\(Self.hello)'\nread -r request\necho '%%% core dumped'", in: temporary)
        let message = await Self.message { try ExternalProvider(executable: midway).checkUsable() }
        #expect(
            message.contains("printed something that is not a protocol message while boxer waited for check_usable: '%%% core dumped'"),
            "\(message)")
    }

    @Test func aPluginsErrorKeepsItsKindAndMessage() async throws {
        let temporary = try TemporaryFolder("boxer-plugins")
        let body = """
            read -r hello
            echo '\(Self.hello)'
            read -r request
            id=$(printf '%s' "$request" | grep -o '"id":[0-9][0-9]*' | head -n 1 | cut -d: -f2)
            echo '{"type":"log","message":"looking for the box"}'
            echo "{\\"type\\":\\"error\\",\\"id\\":$id,\\"kind\\":\\"box_missing\\",\\"message\\":\\"no box.img in the box\\"}"
            """
        let provider = ExternalProvider(executable: try Self.plugin("picky", body, in: temporary))
        let context = try Self.context(temporary, provider: "picky")
        do throws(MachineError) {
            _ = try await provider.create(context)
            Issue.record("create should fail")
        } catch {
            #expect(error.kind == .boxMissing && error.message == "picky (plugin): no box.img in the box")
        }
        // An error without an id: the plugin could not take the request; its words are shown.
        let old = try Self.plugin(
            "old",
            "read -r hello\necho '\(Self.hello)'\nread -r request\necho '{\"type\":\"error\",\"message\":\"unknown operation check_usable\"}'",
            in: temporary)
        let refused = await Self.message { try ExternalProvider(executable: old).checkUsable() }
        #expect(refused.contains("refused check_usable: unknown operation check_usable"), "\(refused)")
        // An answer to another request is not taken for this one's.
        let confused = try Self.plugin(
            "confused", "read -r hello\necho '\(Self.hello)'\nread -r request\necho '{\"type\":\"result\",\"id\":0,\"value\":null}'",
            in: temporary)
        let message = await Self.message { try ExternalProvider(executable: confused).checkUsable() }
        #expect(message.contains("answered request 0 while boxer waited for request"), "\(message)")
    }

    @Test func discoveryFindsPluginsOnPathAndLeavesBuiltInNamesAlone() throws {
        let temporary = try TemporaryFolder("boxer-plugins")
        _ = try Self.plugin("alpha", "read -r hello\necho '\(Self.hello)'", in: temporary)
        _ = try Self.plugin("qemu", "read -r hello\necho '\(Self.hello)'", in: temporary)
        let notExecutable = try temporary.folder("plugins").path + "/boxer-provider-beta"
        _ = FileManager.default.createFile(atPath: notExecutable, contents: Data("#!/bin/sh\n".utf8))
        let found = ExternalProvider.discover(folders: [try temporary.folder("plugins").path], builtIn: ["qemu"])
        #expect(found.map(\.name) == ["alpha"])
    }

    /// Through the command line: `boxer up` with a plugin that crashes fails with the plugin's
    /// words and creates nothing; `boxer providers` lists a broken plugin with its problem.
    @Test func theCommandLineSurvivesABrokenPlugin() throws {
        let temporary = try TemporaryFolder("boxer-plugins")
        let binary = try #require(BoxerBinary.url).path
        _ = try Self.plugin(
            "crashy", "read -r hello\necho '\(Self.hello)'\nread -r request\necho 'crashy: out of cheese' >&2\nexit 7", in: temporary)
        _ = try Self.plugin("noisy", "read -r hello\necho 'hello world'", in: temporary)
        let project = try temporary.folder("project")
        try Data("Vagrant.configure(\"2\") { |c| c.vm.box = \"b\" }\n".utf8).write(to: project.appendingPathComponent("Vagrantfile"))
        let environment = [
            "PATH": try temporary.folder("plugins").path + ":/usr/bin:/bin", "HOME": project.path,
            "BOXER_HOME": try temporary.folder("home").path,
            "BOXER_PROVIDERS": CapabilityTests.folder, "BOXER_SERVER_URL": "http://127.0.0.1:9",
        ]
        let up = try ProgramRun.run(binary, ["up", "--provider", "crashy"], environment: environment, directory: project)
        #expect(up.status != 0)
        #expect(up.error.contains("exited before it answered check_usable") && up.error.contains("out of cheese"), "\(up.error)")
        #expect(!FileManager.default.fileExists(atPath: project.path + "/.vagrant/machines/default/crashy/id"))
        let providers = try ProgramRun.run(binary, ["providers"], environment: environment, directory: project)
        #expect(providers.status == 0)
        #expect(
            providers.output.contains("noisy (provider plugin") && providers.output.contains("not a boxer-provider hello: 'hello world'"),
            "\(providers.output)")
    }
}
