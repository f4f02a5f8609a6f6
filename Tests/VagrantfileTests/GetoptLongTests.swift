import Foundation
import Testing

@testable import Vagrantfile

/// `GetoptLong` over `ARGV` as Vagrant sets it: a project's own options are taken out of `ARGV`,
/// and an option it did not declare fails the reading as under Vagrant (checked against Debian's
/// vagrant 2.3.4: `vagrant validate -p` on such a file fails with "invalid option -- p").
@Suite struct GetoptLongTests {
    static let options = """
        require 'getoptlong'
        opts = GetoptLong.new(
          [ '--workers', '-w', GetoptLong::REQUIRED_ARGUMENT ],
          [ '--custom-option', GetoptLong::OPTIONAL_ARGUMENT ],
          [ '--verbose', '-v', GetoptLong::NO_ARGUMENT ]
        )
        seen = []
        opts.each do |opt, arg|
          seen << "#{opt}=#{arg}"
        end
        puts seen.join(" ")
        puts ARGV.inspect

        """

    static func read(_ arguments: [String], _ source: String = options) throws -> [String] {
        try VagrantfileLoader.evaluate(source: source, arguments: arguments).output
    }

    @Test func theProjectsOptionsAreTakenOutOfARGV() throws {
        #expect(try Self.read(["--workers=3", "up"]) == ["--workers=3", "[\"up\"]"])
        #expect(try Self.read(["up", "-w", "5", "web", "--custom-option"]) == ["--workers=5 --custom-option=", "[\"up\", \"web\"]"])
        #expect(try Self.read(["up", "--cust=x", "-vw2"]) == ["--custom-option=x --verbose= --workers=2", "[\"up\"]"])
        #expect(try Self.read(["status", "--", "--workers"]) == ["", "[\"status\", \"--workers\"]"])
        #expect(try Self.read(["status"]) == ["", "[\"status\"]"])
    }

    @Test(arguments: [
        (["validate", "-p"], "invalid option -- p", "GetoptLong::InvalidOption"),
        (["status", "--machine-readable"], "unrecognized option `--machine-readable'", "GetoptLong::InvalidOption"),
        (["up", "--workers"], "option `--workers' requires an argument", "GetoptLong::MissingArgument"),
        (["up", "--verbose=yes"], "option `--verbose' doesn't allow an argument", "GetoptLong::NeedlessArgument"),
    ])
    func anUndeclaredOptionFailsTheReading(_ arguments: [String], _ message: String, _ kind: String) throws {
        do {
            _ = try Self.read(arguments)
            Issue.record("no error for \(arguments)")
        } catch let error as VagrantfileError {
            #expect(error.description.contains(message), "\(error.description)")
        }
        let rescued = try Self.read(
            arguments,
            """
            require 'getoptlong'
            opts = GetoptLong.new([ '--workers', GetoptLong::REQUIRED_ARGUMENT ], [ '--verbose', GetoptLong::NO_ARGUMENT ])
            opts.quiet = true
            begin
              opts.each { |o, a| }
            rescue GetoptLong::Error => e
              puts "#{e.class}: #{e.message}"
            end
            """)
        #expect(rescued == ["\(kind): \(message)"])
    }

    @Test func ambiguousAbbreviationsAndBadSpecsAreErrors() throws {
        let source = """
            opts = GetoptLong.new([ '--alpha', GetoptLong::NO_ARGUMENT ], [ '--alps', GetoptLong::NO_ARGUMENT ])
            opts.each { |o, a| }
            """
        do {
            _ = try Self.read(["up", "--al"], source)
            Issue.record("no error")
        } catch let error as VagrantfileError {
            #expect(error.description.contains("option `--al' is ambiguous between --alpha, --alps"), "\(error.description)")
        }
        do {
            _ = try Self.read(["up"], "GetoptLong.new([ '--x' ])\n")
            Issue.record("no error")
        } catch let error as VagrantfileError {
            #expect(error.description.contains("no argument-flag or no option name"), "\(error.description)")
        }
    }
}
