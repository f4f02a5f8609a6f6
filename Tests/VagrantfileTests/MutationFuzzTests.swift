import Foundation
import Testing

@testable import Vagrantfile

/// A bounded, deterministic fuzz run inside the test suite: mutated example Vagrantfiles must
/// come back as a VagrantfileError or an environment — never a crash or a hang. (The libFuzzer
/// target in Sources/VagrantfileFuzz explores further; see scripts/fuzz.)
@Suite struct MutationFuzzTests {

    static let fragments = [
        "do", "end", "{", "}", "(", ")", "[", "]", "\"", "'", "#{", "}", "<<~EOS\n", "<<-X\n", "EOS\n", "|", "||", ",", ":", "::", ".",
        "..",
        "...", "=", "==", "=~", "%w[", "%i(", "`", "\n", "0", "99999999999999999999", "-", "*", "**", "&", "&.", "?", "->", "def ",
        "class ",
        "/", "\\", "if ", "unless ", "case ", "when ", "while ", "loop", "yield", "$x", "@y", "__FILE__", "nil", "ENV[", "File.read(",
        "config.vm.", "define ", "provider ", ".each", ".times", "=begin\n", "=end\n", "%", "\u{00e9}", "\u{0}", "\t", "#", ";", "!", "~",
    ]

    static func corpus() throws -> [String] {
        let examples = ExampleTests.examples
        var sources: [String] = []
        for folder in try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted() {
            let file = examples.appendingPathComponent(folder).appendingPathComponent("Vagrantfile")
            if let text = try? String(contentsOf: file, encoding: .utf8) { sources.append(text) }
        }
        return sources
    }

    static func mutate(_ source: String, using generator: inout SeededGenerator) -> String {
        var characters = Array(source)
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            guard !characters.isEmpty else { break }
            let position = Int.random(in: 0..<characters.count, using: &generator)
            switch Int.random(in: 0..<5, using: &generator) {
            case 0:
                let length = Int.random(in: 1...min(20, characters.count - position), using: &generator)
                characters.removeSubrange(position..<position + length)
            case 1:
                characters.insert(contentsOf: fragments.randomElement(using: &generator) ?? "", at: position)
            case 2:
                let length = Int.random(in: 1...min(40, characters.count - position), using: &generator)
                characters.insert(
                    contentsOf: characters[position..<position + length], at: Int.random(in: 0...characters.count, using: &generator))
            case 3:
                let other = Int.random(in: 0..<characters.count, using: &generator)
                characters.swapAt(position, other)
            default:
                characters[position] = Character(UnicodeScalar(UInt8.random(in: 32...126, using: &generator)))
            }
        }
        return String(characters)
    }

    @Test func mutatedVagrantfilesNeverCrash() throws {
        let corpus = try Self.corpus()
        try #require(corpus.count >= 12)
        // Reproducible runs from a fixed seed (the interpreter's own SplitMix64, as `Random.new(seed)` uses).
        var generator = SeededGenerator(0xB0CE_5EED)
        let deadline = Date().addingTimeInterval(45)
        var evaluated = 0
        var accepted = 0
        var refused = 0
        while evaluated < 4000, Date() < deadline {
            let input = Self.mutate(corpus[evaluated % corpus.count], using: &generator)
            do {
                _ = try VagrantfileLoader.evaluate(source: input, environment: [:])
                accepted += 1
            } catch {
                // Every refusal is a VagrantfileError with a message; syntax ones say where.
                #expect(!error.message.isEmpty)
                if error.kind == .syntax || error.kind == .unsupported { #expect(error.location != nil, "\(error)") }
                refused += 1
            }
            evaluated += 1
        }
        #expect(evaluated >= 500, "only \(evaluated) inputs in the time budget")
        #expect(accepted > 0 && refused > 0, "accepted \(accepted), refused \(refused)")
    }

    @Test func pathologicalInputsAreRefusedNotFatal() throws {
        let inputs = [
            String(repeating: "(", count: 100_000),
            String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000),
            "x = " + Array(repeating: "1", count: 60_000).joined(separator: " + "),
            String(repeating: "\"#{", count: 5_000),
            String(repeating: "if true\n", count: 10_000),
            "def f; f; end; f",
            "a = []\nloop { a << a }",
            "a = [1]\na << a << a\nputs a.inspect, a.flatten.size, a == a.dup, JSON.generate(a)",
            "h = {}\nh[:h] = h\nputs h.inspect\nVagrant.configure(\"2\") { |c| c.vm.box = h }",
            "s = \"x\"\nloop { s = s + s }",
            "a = [1]\nloop { a = a + a }",
            "x = \"a\" * 999999999999",
            "puts (1..9223372036854775807).to_a.size",
            "puts (-9223372036854775807-1..9223372036854775807).size",
            "puts \"%999999999d\" % 1, \"%.99999999d\" % 1",
            "puts [1] * 9223372036854775807",
            "puts File.read(\"/dev/zero\")",
            "puts YAML.load_file(\"/proc/self/mem\")",
            "puts 1 << 9999, -9223372036854775807 - 1 / -1, 9223372036854775807 + 1",
            "\u{0}\u{1}\u{2}",
        ]
        for input in inputs {
            do {
                _ = try VagrantfileLoader.evaluate(source: input)
            } catch {
                #expect(!error.message.isEmpty)
            }
        }
    }
}
