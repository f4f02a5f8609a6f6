import Testing

@testable import BoxerSupport

/// Ruby's Shellwords, which Vagrant splits a trigger's `run` line with; each expectation is
/// what `ruby -rshellwords` gives.
@Suite struct ShellWordsTests {
    @Test(arguments: [
        ("echo hi there", ["echo", "hi", "there"]),
        ("  sh -c 'echo out; exit 4'  ", ["sh", "-c", "echo out; exit 4"]),
        (#"a "b \"c\" \$d \x" e"#, ["a", #"b "c" $d \x"#, "e"]),
        (#"one\ word two"#, ["one word", "two"]),
        ("ab'c d'e f", ["abc de", "f"]),
        ("echo a > f", ["echo", "a", ">", "f"]),
        ("''", [""]),
        ("", []),
    ])
    func splits(_ line: String, _ words: [String]) throws {
        #expect(try ShellWords.split(line) == words)
    }

    @Test func anUnmatchedQuoteIsAnError() {
        #expect(throws: ShellWords.UnmatchedQuote.self) { try ShellWords.split("echo 'open") }
        #expect(throws: ShellWords.UnmatchedQuote.self) { try ShellWords.split("echo \"open") }
    }

    @Test func escapes() {
        #expect(ShellWords.escape("/p/my script.sh") == #"/p/my\ script.sh"#)
        #expect(ShellWords.escape("a'b") == #"a\'b"#)
        #expect(ShellWords.escape("") == "''")
        #expect(ShellWords.escape("plain-1.2,x:y+z@h") == "plain-1.2,x:y+z@h")
    }
}
