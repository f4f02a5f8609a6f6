import Foundation
import Testing

@testable import Vagrantfile

/// Idioms found by comparing boxer with Ruby 3.1 on small programs in the style of real
/// Vagrantfiles: each expected text is what `ruby` printed for the same source.
@Suite struct RubyIdiomTests {
    static func output(_ source: String, directory: String = FileManager.default.temporaryDirectory.path) throws -> String {
        try VagrantfileLoader.evaluate(source: source, directory: directory).output.joined(separator: "\n")
    }

    /// `servers.each.with_index(1)` numbers machines from 1; `map.with_index`, `select.with_index`,
    /// `each_slice(2).map` and `filter_map` as in Ruby.
    @Test func enumeratorsWithAnOffset() throws {
        let printed = try Self.output(
            """
            %w[web db].each.with_index(1) { |n, i| puts "#{n}-#{i}" }
            p [1, 2, 3].each.with_index(1).to_a, %w[a b c].map.with_index(1) { |x, i| "#{x}#{i}" }
            p [1, 2, 3].select.with_index { |x, i| i.even? }, [1, 2, 3].filter_map { |x| x * 2 if x.odd? }
            p [1, 2, 3, 4].each_slice(2).map { |a, b| a + b }
            {"a" => 1}.each.with_index(1) { |(k, v), i| puts "#{k}#{v}#{i}" }
            """)
        #expect(printed == "web-1\ndb-2\n[[1, 1], [2, 2], [3, 3]]\n[\"a1\", \"b2\", \"c3\"]\n[1, 3]\n[2, 6]\n[3, 7]\na11")
    }

    /// `port = Integer(ENV["PORT"]) rescue 8080` assigns the fallback.
    @Test func rescueModifierBindsToTheAssignedValue() throws {
        let printed = try Self.output(
            "x = Integer(\"q\") rescue 5\np x\ny = 3 rescue 4\np y\nz ||= Integer(\"w\") rescue 9\np z\n")
        #expect(printed == "5\n3\n9")
    }

    @Test func hashDefaultBlocks() throws {
        let printed = try Self.output(
            "h = Hash.new { |hash, k| hash[k] = [] }\nh[:a] << 1\nh[:a] << 3\nh[:b]\np h\np Hash.new { |_, k| k.to_s * 2 }[:ab]\n")
        #expect(printed == "{:a=>[1, 3], :b=>[]}\n\"abab\"")
    }

    /// Colour codes in `puts "\033[31m..."`, and `inspect` escaping what it prints.
    @Test func numericEscapesAndInspect() throws {
        let printed = try Self.output(
            #"""
            p "\033".bytes, "\x41", "\u00e9".bytes, "\u{48 49}", "\101\x42"
            puts "\033[31mred\033[0m".length
            p "col1\tcol2", "\e[0m", '#{x}', "\x01"
            """#)
        let expected = [
            #"[27]"#, #""A""#, "[195, 169]", #""HI""#, #""AB""#, "12", #""col1\tcol2""#, #""\e[0m""#, "\"\\#{x}\"", #""\u0001""#,
        ]
        #expect(printed == expected.joined(separator: "\n"))
    }

    /// A helper file's top-level constants are the program's; a module's own constant wins
    /// inside its methods.
    @Test func constantsAcrossFilesAndModules() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("boxer-constants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data("NODES = 3\ndef nodes; NODES; end\n".utf8).write(to: folder.appendingPathComponent("settings.rb"))
        let printed = try Self.output(
            "require_relative \"settings\"\np NODES, nodes\nX = 1\nmodule M\n  X = 2\n  def self.x; X; end\nend\np M.x, X\n",
            directory: folder.path)
        #expect(printed == "3\n3\n2\n1")
    }

    /// Psych 4 (Ruby 3.1): merge keys with `aliases: true`, and `YAML.load` refusing aliases otherwise.
    @Test func yamlMergeKeysAndAliases() throws {
        let printed = try Self.output(
            #"""
            y = "b: &b\n  x: 1\n  y: 0\nc:\n  <<: *b\n  y: 2\nd:\n  y: 3\n  <<: *b\ne:\n  <<: [*b, {x: 5, z: 6}]\n"
            p YAML.load(y, aliases: true), YAML.load("a: 1", symbolize_names: true)
            begin; YAML.load(y); rescue => e; p e.class, e.message; end
            """#)
        #expect(
            printed
                == #"{"b"=>{"x"=>1, "y"=>0}, "c"=>{"x"=>1, "y"=>2}, "d"=>{"y"=>0, "x"=>1}, "e"=>{"x"=>1, "z"=>6, "y"=>0}}"#
                + "\n{:a=>1}\nPsych::BadAlias\n\"Unknown alias: b\"")
    }

    /// `s.gsub!`, `s.strip!`, `s << a << b`, `h[k].strip!`: strings changed in place where they live.
    @Test func stringsChangedInPlace() throws {
        let printed = try Self.output(
            """
            s = "a b"; p s.gsub!(" ", "_"), s
            t = "abc"; p t.sub!("z", "y"), t
            x = "x"; x << "y" << "z"; p x, "a".concat("b", "c")
            h = {"k" => " v "}; h["k"].strip!; p h
            list = ["a"]; list[0] << "b"; p list
            """)
        #expect(printed == "\"a_b\"\n\"a_b\"\nnil\n\"abc\"\n\"xyz\"\n\"abc\"\n{\"k\"=>\"v\"}\n[\"ab\"]")
    }

    @Test func operatorSymbols() throws {
        let printed = try Self.output(
            "p [1, 2, 3].inject(:+), [2, 3].reduce(1, :*), [1].respond_to?(:[]), [].inject(:+)\nx = true ? 1 :-1\np x\n")
        #expect(printed == "6\n6\ntrue\nnil\n1")
    }

    /// split's limit and captured separators; "\r\n" is two characters to chomp and lines.
    @Test func splitLimitsAndLineEnds() throws {
        let printed = try Self.output(
            #"""
            p "a=b=c".split("=", 2), "a,b,,".split(",", -1), "a,b".split(/(,)/), "  a   b  c ".split(" ", 2)
            p "hello\r\n".chomp, "file.rb".chomp(".rb"), "l1\nl2\r\nl3".lines
            """#)
        let expected = [
            #"["a", "b=c"]"#, #"["a", "b", "", ""]"#, #"["a", ",", "b"]"#, #"["a", "b  c "]"#, #""hello""#, #""file""#,
            #"["l1\n", "l2\r\n", "l3"]"#,
        ]
        #expect(printed == expected.joined(separator: "\n"))
    }

    /// `-7.divmod(2)` is (-7).divmod(2); `$&`, `` $` ``, `$1` after a failed match, `$!` in a rescue.
    @Test func negativeLiteralsAndMatchGlobals() throws {
        let printed = try Self.output(
            #"""
            p -1.abs, -7.divmod(2), -2 ** 2, "v1.2".gsub(/\d/) { $&.to_i + 1 }
            "10-20" =~ /(\d+)-(\d+)/
            p $`, $2
            "xyz" =~ /(q)/
            p $1
            begin; raise "boom"; rescue; p $!.message; end
            """#)
        #expect(printed == "1\n[-4, 1]\n-4\n\"v2.3\"\n\"\"\n\"20\"\nnil\n\"boom\"")
    }

    @Test func lessCommonCollectionAndStringMethods() throws {
        let printed = try Self.output(
            """
            p [1, 1, 2].tally, [3, 1, 2].minmax, [3, 1, 2].max(2), [1, 2].product([3]), [[1, 2], [3, 4]].transpose
            a = [3, 1, 2]; a.sort!; p a, [1, 2, 3].values_at(0, -1, 5)
            h = {a: 1, b: nil}; p h.compact, h.slice(:a), h.except(:a), h.to_h { |k, v| [v, k] }, h.delete(:zz) { "none" }
            p "ab12"[/(\\d)(\\d)/, 2], "k=v=w".partition("="), "v1.2".delete_prefix("v"), "0x1A".to_i(16), 12.gcd(8), 1.step(10, 4).to_a
            """)
        let expected = [
            "{1=>2, 2=>1}", "[1, 3]", "[3, 2]", "[[1, 3], [2, 3]]", "[[1, 3], [2, 4]]", "[1, 2, 3]", "[1, 3, nil]", "{:a=>1}",
            "{:a=>1}", "{:b=>nil}", "{1=>:a, nil=>:b}", "\"none\"", "\"2\"", "[\"k\", \"=\", \"v=w\"]", "\"1.2\"", "26", "4", "[1, 5, 9]",
        ]
        #expect(printed == expected.joined(separator: "\n"))
    }
}
