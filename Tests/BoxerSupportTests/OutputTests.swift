import Foundation
import Testing

@testable import BoxerSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A pipe whose read end is drained after the writer is done.
private struct Pipe {
    let read: Int32
    let write: Int32

    init() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        read = ends[0]
        write = ends[1]
    }

    /// Closes the write end and returns everything written.
    func drain() -> String {
        close(write)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(read, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        close(read)
        return String(decoding: bytes, as: UTF8.self)
    }
}

@Suite struct TerminalRendererTests {
    @Test func machineLinesHaveVagrantsPrefixesAndWarningsGoToStandardError() throws {
        let out = try Pipe()
        let err = try Pipe()
        let output = Output(TerminalRenderer(standardOutput: out.write, standardError: err.write))
        let web = output.targeting("web")
        web.say("Booting VM...")
        web.detail("first\nsecond")
        web.success("Done.")
        web.warn("no rsync")
        web.record("state", "running")
        web.trace("console: only for the log")
        output.text("a table")
        output.warn("global")
        output.error("Error: failed")
        output.ask("Go on? [y/N] ")
        #expect(out.drain() == "==> web: Booting VM...\n    web: first\n    web: second\n==> web: Done.\na table\nGo on? [y/N] ")
        #expect(err.drain() == "==> web: WARNING: no rsync\nwarning: global\nError: failed\n")
    }

    @Test func progressIsDrawnOnlyOnATerminal() throws {
        let out = try Pipe()
        let err = try Pipe()
        let output = Output(TerminalRenderer(standardOutput: out.write, standardError: err.write), target: "box")
        output.progress(done: 50, total: 100)
        output.progressFinished()
        #expect(out.drain().isEmpty)
        #expect(err.drain().isEmpty, "standard error is a pipe, not a terminal")
    }

    @Test func progressLineIsVagrants() {
        let line = TerminalRenderer.progressLine(target: "box", done: 512 << 10, total: 1 << 20, elapsed: 1)
        #expect(line == "    box: Progress: 50% (Rate: 512.0K/s, Estimated time remaining: 0:00:01)")
        #expect(TerminalRenderer.progressLine(target: nil, done: 3 << 20, total: nil, elapsed: 2) == "    Progress: 3.0M (Rate: 1.5M/s)")
    }
}

@Suite struct MachineReadableRendererTests {
    static func render(_ body: (Output) -> Void) throws -> [String] {
        let out = try Pipe()
        let output = Output(MachineReadableRenderer(standardOutput: out.write, clock: { 1_700_000_000 }))
        body(output)
        return out.drain().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test func recordsAreVagrantsWithCommasAndNewlinesEscaped() throws {
        let lines = try Self.render { output in
            output.targeting("web").record("state-human-long", "The VM is running. To stop this VM, you can\nrun `halt`.\r")
            output.record("metadata", "machine-count", "0")
            output.record("empty", "")
        }
        #expect(
            lines == [
                "1700000000,web,state-human-long,The VM is running. To stop this VM%!(VAGRANT_COMMA) you can\\nrun `halt`.\\r",
                "1700000000,,metadata,machine-count,0",
                "1700000000,,empty,",
                "",
            ])
    }

    @Test func messagesAreUIRecordsKeepingTheTargetsPrefix() throws {
        let lines = try Self.render { output in
            output.targeting("web").say("Booting VM...")
            output.targeting("box").detail("Unpacking")
            output.targeting("box").success("Added")
            output.say("Vagrantfile validated successfully.")
            output.text("Installed Version: 1")
            output.error("It failed, badly")
            output.targeting("web").trace("not for scripts")
        }
        #expect(
            lines == [
                "1700000000,web,ui,info,==> web: Booting VM...",
                "1700000000,box,ui,detail,    box: Unpacking",
                "1700000000,box,ui,success,==> box: Added",
                "1700000000,,ui,info,Vagrantfile validated successfully.",
                "1700000000,,ui,output,Installed Version: 1",
                "1700000000,,ui,error,It failed%!(VAGRANT_COMMA) badly",
                "",
            ])
    }

    @Test func progressIsAnUntargetedDetailAtMostOnceASecond() throws {
        let lines = try Self.render { output in
            let box = output.targeting("box")
            box.progress(done: 1, total: 4)
            box.progress(done: 2, total: 4)
            box.progressFinished()
        }
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("1700000000,,ui,detail,Progress: 25% (Rate: "), "\(lines)")
    }
}

@Suite struct CollectingRendererTests {
    @Test func keepsEveryEventInOrder() {
        let collected = CollectingRenderer()
        let output = Output(collected, target: "db")
        output.say("one")
        output.warn("two")
        output.record("state", "running")
        #expect(collected.messages(.info) == ["one"])
        #expect(collected.messages(.warn) == ["two"])
        #expect(collected.events.last == .record(target: "db", type: "state", data: ["running"]))
        #expect(!output.isMachineReadable)
        #expect(Output.discarded.isMachineReadable == false)
    }
}
