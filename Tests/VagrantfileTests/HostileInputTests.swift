import BoxerTestSupport
import Foundation
import Testing
import Vagrantfile

/// Issue 14's findings in the interpreter: self-containing structures, integers past 64 bits,
/// machine names that are not folders of their own, FIFOs where files are read, and a
/// Vagrantfile that defines very many machines.
@Suite struct HostileInputTests {
    /// Finding 4: `a << a; a.join` crashed every command (unbounded recursion). Ruby raises
    /// ArgumentError "recursive array join"; so does boxer, with the line.
    @Test(arguments: [
        "a = [1]\na << a\nputs a.join(\",\")",
        "a = [1, [2]]\na[1] << a\nputs a.join(\"-\")",
        "h = {}\na = [h]\nh[:k] = a\nb = [a, a]\nb << b\nputs b.join",
    ])
    func recursiveJoinIsAnArgumentError(_ source: String) throws {
        let error = try RefusedTests.failure(source)
        #expect(error.message.contains("recursive array join"), "\(error)")
        #expect(error.location?.line != nil)
    }

    /// The other built-ins on the same cycles return as Ruby's do (no crash, no hang).
    @Test func cyclesStayFiniteInTheOtherBuiltins() throws {
        let output = try LanguageTests.output(
            """
            a = [1]
            a << a
            h = { x: 1 }
            h[:self] = h
            puts a.inspect, a.to_s, h.inspect, (a == a).inspect
            puts a.include?(a), a.first, a.length
            """)
        #expect(output.joined(separator: "\n") == "[1, [...]]\n[1, [...]]\n{:x=>1, :self=>{...}}\ntrue\ntrue\n1\n2")
    }

    /// Shared nesting (not a cycle) that doubles each level is bounded rather than exponential.
    @Test func sharedNestingIsBounded() throws {
        let error = try RefusedTests.failure("a = [1]\n60.times { a = [a, a] }\nputs a.join(\",\").length")
        #expect(error.message.contains("join of too large or too deeply nested an array"), "\(error)")
    }

    /// Finding 15: integers wrapped silently, `2**64` became a Float. Ruby has Bignums; boxer
    /// says plainly that it does not, at the line.
    @Test(arguments: [
        "puts 9223372036854775807.succ",
        "puts 9223372036854775807 + 1",
        "puts -9223372036854775807 - 2",
        "puts 4611686018427387904 * 2",
        "puts 2 ** 64",
        "puts 1 << 63",
        "puts (-9223372036854775807 - 1).abs",
    ])
    func integerOverflowIsARangeError(_ source: String) throws {
        let error = try RefusedTests.failure(source)
        #expect(error.message.contains("does not fit in a 64-bit integer"), "\(error)")
        #expect(error.location?.line == 1)
    }

    @Test func integersThatFitAreExact() throws {
        #expect(
            try LanguageTests.output("puts 2 ** 62\nputs (-1) ** 65\nputs 1 ** 1000\nputs 9223372036854775806.succ\nputs 1 << 62") == [
                "4611686018427387904", "-1", "1", "9223372036854775807", "4611686018427387904",
            ])
    }

    /// Finding 6: `define "."` kept its state in `.vagrant/machines/<provider>`, over another
    /// machine's folder.
    @Test(arguments: [".", ".."])
    func dotNamesAreRefused(_ name: String) throws {
        let error = try RefusedTests.failure("Vagrant.configure(\"2\") do |config|\n  config.vm.define \"\(name)\"\nend\n")
        #expect(error.message.contains("'\(name)' is not a valid machine name"), "\(error)")
        #expect(error.location?.line == 2)
    }

    /// Finding 15: 200,000 defines took 123 s (each define searched the list). Twenty thousand
    /// machines load, each its own.
    @Test func manyDefinesLoad() throws {
        let environment = try VagrantfileLoader.evaluate(
            source: """
                Vagrant.configure("2") do |config|
                  20000.times { |i| config.vm.define "node#{i}" }
                  config.vm.define "node7" do |node|
                    node.vm.hostname = "seven"
                  end
                end
                """)
        #expect(environment.machines.count == 20000)
        #expect(environment.machines[7].hostname == "seven")
    }

    /// What the fuzzing seeds found while being written (Tests/Fuzz/seeds, once known crashes):
    /// each now ends at once, as Ruby would.
    @Test func formerFuzzCrashesEndAsRubyWould() throws {
        let seeds = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "Fuzz/seeds")
        func run(_ name: String) throws -> Result<VagrantEnvironment, VagrantfileError> {
            let source = try String(contentsOf: seeds.appendingPathComponent(name), encoding: .utf8)
            do { return .success(try VagrantfileLoader.evaluate(source: source)) } catch { return .failure(error) }
        }
        guard case .failure(let compare) = try run("compare_cyclic_arrays.rb") else {
            Issue.record("sorting two self-containing arrays succeeded")
            return
        }
        #expect(compare.message.contains("comparison of Array with Array failed"), "\(compare)")
        for name in ["hash_delete_many.rb", "hashkey_wide_cycle.rb", "string_lines_many.rb"] {
            if case .failure(let error) = try run(name) { Issue.record("\(name): \(error)") }
        }
        #expect(
            try LanguageTests.output("puts [3, 1, 3, 2, 1].uniq.inspect, %w[a b a].uniq.size").joined(separator: "\n") == "[3, 1, 2]\n2")
    }

    /// Finding 5: `File.read` of a FIFO hung for ever (opened before it was checked).
    @Test func fileReadOfAFIFOFailsAtOnce() throws {
        let folder = try TemporaryFolder("boxer-fifo")
        let fifo = folder.path("pipe").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let outcome = try FIFOGuard.within(seconds: 10, releasing: fifo) {
            try RefusedTests.failure("puts File.read(\"pipe\")", directory: folder.url.path)
        }
        #expect(outcome.message.contains("not a regular file"), "\(outcome)")
    }

    /// Finding 5: a Vagrantfile that is a FIFO hung every command.
    @Test func vagrantfileThatIsAFIFOFailsAtOnce() throws {
        let binary = try #require(BoxerBinary.url?.path)
        let folder = try TemporaryFolder("boxer-fifo")
        let fifo = folder.path("Vagrantfile").path
        #expect(mkfifo(fifo, 0o600) == 0)
        var variables = ProcessInfo.processInfo.environment
        variables["BOXER_HOME"] = folder.path("home").path
        variables["VAGRANT_CWD"] = nil
        let environment = variables
        let run = try FIFOGuard.within(seconds: 20, releasing: fifo) {
            try ProgramRun.run(binary, ["validate"], environment: environment, directory: folder.url)
        }
        #expect(run.status != 0)
        #expect(run.error.contains("Vagrantfile"), "\(run.error)")
        #expect(run.error.contains("not a regular file"), "\(run.error)")
    }
}

/// Runs `body` on a thread of its own and fails the test if it has not returned within the
/// time; a reader blocked on the FIFO is then released by opening its other end, so the test
/// process never hangs.
enum FIFOGuard {
    static func within<T: Sendable>(seconds: Double, releasing fifo: String, _ body: @escaping @Sendable () throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            box.result = Result { try body() }
            done.signal()
        }
        if done.wait(timeout: .now() + seconds) == .timedOut {
            let writer = open(fifo, O_WRONLY | O_NONBLOCK)
            if writer >= 0 { close(writer) }
            done.wait()
            Issue.record("still blocked on \(fifo) after \(seconds) s")
        }
        return try box.result?.get() ?? { throw VagrantfileError(.runtime, at: nil, "no result") }()
    }
}

/// Carries a result from the thread that ran the body; written before the semaphore is signalled.
final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, any Error>?
}
