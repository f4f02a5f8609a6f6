import BoxerSupport
import Foundation

/// What reading a Vagrantfile may do to the host. A Vagrantfile is its user's program: under
/// Vagrant its shell commands run, its files are written and its `exit` ends the command, so
/// boxer does the same when it reads a project for a command.
public enum HostEffects: Sendable, Equatable {
    /// As under Vagrant: shell commands run, files are written, `puts` prints, `exit` ends the command.
    case performed
    /// Generated input (fuzzing, mutation tests): every shell command, file write, sleep and exit is
    /// refused with an error that names the line, so such input never acts on the host.
    case refused
}

/// `$?`: how the last shell command ended.
final class ProcessStatusObject: RubyObject {
    let pid: Int32
    /// The exit status, nil when a signal ended the command.
    let exitStatus: Int32?
    let signal: Int32?

    init(pid: Int32, exitStatus: Int32?, signal: Int32?) {
        self.pid = pid
        self.exitStatus = exitStatus
        self.signal = signal
    }

    var typeName: String { "Process::Status" }
    var succeeded: Bool { exitStatus == 0 }

    func call(_ name: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        switch name {
        case "success?": return signal == nil ? .bool(succeeded) : .null
        case "exitstatus": return exitStatus.map { .int(Int($0)) } ?? .null
        case "to_i": return .int(Int(exitStatus.map { $0 << 8 } ?? signal ?? 0))
        case "pid": return .int(Int(pid))
        case "exited?": return .bool(exitStatus != nil)
        case "signaled?": return .bool(signal != nil)
        case "termsig": return signal.map { .int(Int($0)) } ?? .null
        case "to_s", "inspect":
            let how = exitStatus.map { "exit \($0)" } ?? "SIG \(signal ?? 0) (signal \(signal ?? 0))"
            return .string(name == "inspect" ? "#<Process::Status: pid \(pid) \(how)>" : "pid \(pid) \(how)")
        case "==": return .bool(arguments.positional.first.map { $0.equals(.int(Int(exitStatus ?? -1))) } ?? false)
        default:
            throw interpreter.error(
                "undefined method '\(name)' for an instance of Process::Status", at: location, className: "NoMethodError")
        }
    }
}

/// Runs host commands for a Vagrantfile, as Ruby does: `` `cmd` `` and `%x()` through /bin/sh,
/// `system`, `IO.popen`, `Open3`. They run in boxer's own folder (Vagrant does not change
/// folder either) with the environment the file sees, `ENV[...] =` included, and set `$?`.
enum HostCommands {
    struct Result {
        var output: String
        var error: String
        var status: ProcessStatusObject
    }

    /// How much of a command's output is kept (the rest is read and dropped).
    static let captureLimit = 16 << 20

    /// `what` names the construct in the refusal, e.g. "`uname -m`" or "system".
    static func checkAllowed(_ what: String, interpreter: Interpreter, at location: SourceLocation) throws {
        if interpreter.host.effects == .refused { throw VagrantfileError.hostEffectRefused(what, at: location) }
    }

    /// Runs `command` (a shell line when `arguments` is empty, else a program and its arguments),
    /// capturing stdout and/or stderr; what is not captured goes to boxer's own. Returns nil when
    /// the program could not be started (Ruby's `system` answers nil then).
    static func run(
        _ command: String, arguments: [String] = [], captureOutput: Bool, captureError: Bool, mergingError: Bool = false,
        environment extra: [String: String] = [:], interpreter: Interpreter, at location: SourceLocation
    ) throws -> Result? {
        try checkAllowed(arguments.isEmpty ? "`\(command)`" : command, interpreter: interpreter, at: location)
        let environment = interpreter.host.processEnvironment(interpreter).merging(extra) { $1 }
        // Ruby runs a command line as `sh -c` (its $0 is "sh", which shows in its messages).
        let program: String
        let argv: [String]
        if arguments.isEmpty {
            program = "/bin/sh"
            argv = ["sh", "-c", command]
        } else {
            guard let path = ExecutableSearch.find(command, environment: environment) else { return nil }
            program = path
            argv = [path] + arguments
        }
        // posix_spawn, not Foundation's Process: Process needs a loopback socket pair for its run
        // loop, which a network namespace without `lo` up (CI's `unshare -n`) does not give.
        var outputPipe: [Int32] = [-1, -1]
        var errorPipe: [Int32] = [-1, -1]
        // Close-on-exec: a program another thread starts must not inherit them (it would hold the
        // pipe open, and this reading would wait for it). The child gets them through dup2.
        if captureOutput, pipe(&outputPipe) != 0 { return nil }
        if captureError, pipe(&errorPipe) != 0 {
            for descriptor in outputPipe where descriptor >= 0 { close(descriptor) }
            return nil
        }
        for descriptor in outputPipe + errorPipe where descriptor >= 0 { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        if captureOutput {
            posix_spawn_file_actions_adddup2(&actions, outputPipe[1], STDOUT_FILENO)
            if mergingError { posix_spawn_file_actions_adddup2(&actions, outputPipe[1], STDERR_FILENO) }
            posix_spawn_file_actions_addclose(&actions, outputPipe[0])
            posix_spawn_file_actions_addclose(&actions, outputPipe[1])
        }
        if captureError {
            posix_spawn_file_actions_adddup2(&actions, errorPipe[1], STDERR_FILENO)
            posix_spawn_file_actions_addclose(&actions, errorPipe[0])
            posix_spawn_file_actions_addclose(&actions, errorPipe[1])
        }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments + cEnvironment { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, cArguments, cEnvironment)
        for descriptor in [outputPipe[1], errorPipe[1]] where descriptor >= 0 { close(descriptor) }
        guard spawned == 0 else {
            for descriptor in [outputPipe[0], errorPipe[0]] where descriptor >= 0 { close(descriptor) }
            return nil
        }
        // Both pipes are drained at once, so a command that fills one cannot block on it.
        let errorText = Locked("")
        let group = DispatchGroup()
        if captureError {
            let descriptor = errorPipe[0]
            group.enter()
            DispatchQueue.global().async {
                errorText.set(Self.drain(descriptor))
                group.leave()
            }
        }
        let output = captureOutput ? Self.drain(outputPipe[0]) : ""
        group.wait()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // The wait status: low 7 bits the signal that ended it, else the exit status in the next byte.
        let signal = status & 0x7F
        let result = ProcessStatusObject(
            pid: pid, exitStatus: signal == 0 ? (status >> 8) & 0xFF : nil, signal: signal == 0 ? nil : signal)
        interpreter.host.globals["$?"] = .object(result)
        return Result(output: output, error: errorText.current, status: result)
    }

    /// Reads a pipe to its end (keeping at most `captureLimit` bytes) and closes it.
    private static func drain(_ descriptor: Int32) -> String {
        defer { close(descriptor) }
        var kept: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            if kept.count < captureLimit { kept += buffer.prefix(min(count, captureLimit - kept.count)) }
        }
        return String(decoding: kept, as: UTF8.self)
    }

    /// `system(...)`: `[env,] command [, args...]` with output to boxer's own; true, false, or nil
    /// when the command could not be run.
    static func system(_ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        var values = arguments.positional
        var environment: [String: String] = [:]
        if case .hash(let box)? = values.first {
            for pair in box.pairs { environment[pair.key.text] = pair.value.text }
            values.removeFirst()
        }
        guard let first = values.first else {
            throw interpreter.error("wrong number of arguments (given 0, expected 1+)", at: location, className: "ArgumentError")
        }
        let rest = try values.dropFirst().map { try interpreter.stringify($0, at: location) }
        let command = try interpreter.stringify(first, at: location)
        guard
            let result = try run(
                command, arguments: rest, captureOutput: false, captureError: false, environment: environment, interpreter: interpreter,
                at: location)
        else { return .null }
        return .bool(result.status.succeeded)
    }
}

/// `IO.popen(cmd).read`, `IO.popen(cmd) { |io| ... }`, `IO.read/readlines/foreach`, and
/// `Open3.capture2/capture2e/capture3`: commands whose output the file reads.
final class CommandOutputModule: RubyObject {
    let name: String
    init(_ name: String) { self.name = name }
    var typeName: String { "Module" }

    func call(_ method: String, _ arguments: Arguments, interpreter: Interpreter, at location: SourceLocation) throws -> Value {
        // One string is a shell command line; several (or an array, for popen) are a program and
        // its arguments, run without a shell, as in Ruby.
        var words = try arguments.positional.map { try interpreter.stringify($0, at: location) }
        if case .array(let box)? = arguments.positional.first {
            words = try box.items.map { try interpreter.stringify($0, at: location) }
        }
        let command = words.first ?? ""
        let rest = Array(words.dropFirst())
        switch (name, method) {
        case ("IO", "read"), ("IO", "readlines"), ("IO", "foreach"):
            return try FileModule().call(method == "foreach" ? "readlines" : method, arguments, interpreter: interpreter, at: location)
        case ("IO", "popen"):
            let result = try HostCommands.run(
                command, arguments: rest, captureOutput: true, captureError: false, interpreter: interpreter, at: location)
            let stream = OpenFile(path: command, text: result?.output ?? "")
            guard let block = arguments.block else { return .object(stream) }
            return try interpreter.callClosure(block, [.object(stream)], at: location)
        case ("Open3", "capture2"), ("Open3", "capture2e"), ("Open3", "capture3"):
            let separate = method == "capture3"
            guard
                let result = try HostCommands.run(
                    command, arguments: rest, captureOutput: true, captureError: separate, mergingError: method == "capture2e",
                    interpreter: interpreter, at: location)
            else {
                throw interpreter.error("No such file or directory - \(command)", at: location, className: "Errno::ENOENT")
            }
            let status = Value.object(result.status)
            return .array(separate ? [.string(result.output), .string(result.error), status] : [.string(result.output), status])
        default:
            throw VagrantfileError.forbiddenModuleMethod(name, method, at: location)
        }
    }
}
