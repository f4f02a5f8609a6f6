import Foundation
import Vagrantfile

/// libFuzzer entry point: every input must come back as an environment or a VagrantfileError.
/// Built by scripts/fuzz with `-sanitize=fuzzer,address -DFUZZING`; a crash, a trap, a leak-free
/// overflow or a hang (libFuzzer's -timeout) is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVagrantfile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let source = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? VagrantfileLoader.evaluate(source: source, directory: "/nonexistent-boxer-fuzz", environment: [:])
    return 0
}

#if FUZZING
    /// libFuzzer's driver (from the runtime linked by -sanitize=fuzzer): SwiftPM renames the
    /// executable's own entry point, so boxer starts the driver itself.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
    ) -> CInt

    @main
    enum RunFuzzer {
        static func main() {
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(runFuzzerDriver(&argc, &argv, { data, size in fuzzVagrantfile(data, size) }))
        }
    }
#else
    /// Without libFuzzer: runs the inputs named on the command line once each (to replay a crash).
    @main
    enum ReplayFuzzInputs {
        static func main() {
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else { continue }
                var bytes = [UInt8](data)
                bytes.append(0)  // a non-empty buffer, so that its address exists; the count leaves the 0 out
                _ = bytes.withUnsafeBufferPointer { buffer in
                    buffer.baseAddress.map { fuzzVagrantfile($0, data.count) }
                }
                print("ok \(path)")
            }
        }
    }
#endif
