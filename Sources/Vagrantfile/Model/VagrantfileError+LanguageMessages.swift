/// The messages of the language layer: Ruby that is wrong (lexer, parser, interpreter) or that
/// boxer refuses on purpose (builtins, modules). Each says what went wrong where, in the words the
/// tests compare.
extension VagrantfileError {
    // MARK: - Lexer

    static func blockCommentNeverClosed(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "=begin without =end")
    }

    static func globalVariableWithoutName(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "'$' must start a global variable name such as $script")
    }

    static func invalidPrefixedNumber(base: Character, digits: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "'0\(base)\(digits)' is not a number")
    }

    static func invalidNumber(_ text: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "'\(text)' is not a number")
    }

    static func numberTooLarge(_ text: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "'\(text)' is too large a number")
    }

    static func unterminatedString(closing close: Character, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "this string is never closed (missing \(close))")
    }

    static func unterminatedInterpolation(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "#{ is never closed")
    }

    /// Only says that the parts are not plain text; the callers look at the result, not at this error.
    static func interpolationInPlainText() -> VagrantfileError {
        VagrantfileError(.syntax, at: nil, "interpolation here")
    }

    static func percentLiteralWithoutDelimiter(kind: Character, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "'%\(kind)' needs a delimiter such as [ or (")
    }

    static func badPercentLiteral(kind: Character, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "bad %\(kind) literal")
    }

    static func heredocTerminatorNotClosed(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "the heredoc terminator is not closed")
    }

    static func heredocWithoutTerminator(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "a heredoc needs a terminator word, e.g. <<~SCRIPT")
    }

    static func heredocNeverClosed(terminator: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "the heredoc started here is never closed (missing \(terminator))")
    }

    static func unexpectedCharacter(_ character: Character?, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "unexpected character '\(character.map(String.init) ?? "")'")
    }

    // MARK: - Lexer: refused literals

    static func interpolationInRegularExpression(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "interpolation inside a regular expression is not supported by boxer",
            hint: "build the pattern as a string and use Regexp.new is not available either; match with include? or start_with? instead")
    }

    static func interpolatedSymbol(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.unsupported, at: location, "interpolated symbols are not supported by boxer", hint: "use a string instead")
    }

    static func unsupportedPercentLiteral(kind: Character, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "%\(kind) literals are not supported by boxer", hint: "use %w[], %i[], %q() or a quoted string")
    }

    // MARK: - Parser

    /// "unexpected <what the token is>", with what was expected instead when the parser knows.
    static func unexpectedToken(_ token: Token, expecting: String? = nil) -> VagrantfileError {
        let found: String
        switch token.kind {
        case .eof: found = "the end of the file"
        case .newline: found = "the end of the line"
        case .op(let op): found = "'\(op)'"
        case .keyword(let word): found = "'\(word)'"
        case .identifier(let name), .constant(let name): found = "'\(name)'"
        case .label(let name): found = "'\(name):'"
        default: found = "this"
        }
        return VagrantfileError(.syntax, at: token.location, "unexpected \(found)" + (expecting.map { ", expecting \($0)" } ?? ""))
    }

    static func blockNeverClosed(keyword word: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .syntax, at: location, "this block is never closed: '\(word)' is missing",
            hint: "every do, def, if, unless, case, while and begin needs its own end")
    }

    /// A label where no hash or argument list is open: a typo such as `config.vm.box: "x"`.
    static func strayLabel(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "unexpected '\(name):'", hint: "did you mean '\(name) =' or '\(name) '?")
    }

    /// A label after `.` in a call chain (`x.y:`).
    static func unexpectedLabel(_ text: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "unexpected '\(text):'")
    }

    static func labelAfterDef(_ text: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "unexpected '\(text):' after def")
    }

    static func blockArgumentAndBlock(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "both a block argument and a block were given")
    }

    static func invalidAssignmentTarget(at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "cannot assign to this expression")
    }

    /// The parser's recursion limit.
    static func nestedTooDeeply(limit: Int, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "this expression is nested too deeply (more than \(limit) levels)")
    }

    // MARK: - Parser: refused constructs

    /// A shell command, file write, sleep or exit while host effects are refused (`HostEffects.refused`).
    static func hostEffectRefused(_ what: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "\(what) is refused here: this reading of the Vagrantfile may not act on the host",
            hint: "generated input (fuzzing, tests) is read with host effects refused; boxer's commands run it as Vagrant does")
    }

    /// `exit`, `exit!` or `abort`: the command ends with `status` and says nothing more.
    static func programExit(status: Int32, at location: SourceLocation) -> VagrantfileError {
        var error = VagrantfileError(.exit, at: location, "")
        error.exitCode = status
        return error
    }

    /// `spawn`, `fork`, `syscall`.
    static func runningProgram(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "'\(name)' (a process that outlives the reading) is not supported by boxer",
            hint: "run the command with backticks or system, which boxer runs as Ruby does and waits for")
    }

    /// `exec` of anything but `vagrant` (which would replace boxer with another program).
    static func execRefused(_ command: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "exec \"\(command)\" would replace boxer with that program; boxer does not do that",
            hint: "run it with system instead, or outside the Vagrantfile")
    }

    /// `eval`, `instance_eval`, `binding`, ….
    static func codeGeneration(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "'\(name)' is not supported by boxer",
            hint: "write the configuration out instead of generating code")
    }

    /// `define_method`, `send`, `const_set`, ….
    static func metaprogramming(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "'\(name)' (metaprogramming) is not supported by boxer",
            hint: "write the configuration out; plain methods defined with def are supported")
    }

    static func autoload(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "'\(name)' (loading Ruby files on demand) is not supported by boxer",
            hint: "load the file with load or require_relative, or keep settings in a YAML or JSON file")
    }

    /// `open`, `trap`, `at_exit`, `gets`.
    static func hostInteraction(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "'\(name)' is not supported by boxer",
            hint: "boxer reads the Vagrantfile without a terminal to ask and without handlers that run later; read files with File.read")
    }

    /// `class VagrantPlugins::...` / `module Vagrant...`: changing Vagrant's own classes.
    static func vagrantPatched(_ path: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "reopening \(path) (Vagrant's own code) is not supported by boxer",
            hint: "boxer is not Vagrant's Ruby code, so the patch has nothing to change; remove it from the Vagrantfile")
    }

    /// `alias` or `undef`.
    static func methodAliasing(_ word: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.unsupported, at: location, "'\(word)' is not supported by boxer", hint: "define a method with def instead")
    }

    /// `super`, `BEGIN`, `END`, `redo`, `retry`.
    static func unsupportedKeyword(_ word: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.unsupported, at: location, "'\(word)' is not supported by boxer", hint: "rewrite this part without it")
    }

    // MARK: - Interpreter

    /// Another error's text, passed on as it is (a Ruby error that reached the top, or one of no known type).
    static func passing(_ message: String, as kind: Kind, at location: SourceLocation?) -> VagrantfileError {
        VagrantfileError(kind, at: location, message)
    }

    static func controlFlowOutsideBlock() -> VagrantfileError {
        VagrantfileError(.syntax, at: nil, "next or break outside of a block")
    }

    static func stepLimitExceeded(limit: Int, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.runtime, at: location, "this Vagrantfile runs too long (more than \(limit) steps); is there an endless loop?")
    }

    /// The interpreter's recursion limit.
    static func evaluationNestedTooDeeply(limit: Int, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.runtime, at: location, "this expression is nested too deeply (more than \(limit) levels)")
    }

    static func callDepthExceeded(limit: Int, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.runtime, at: location, "calls nest more than \(limit) deep; is there an endless recursion?")
    }

    static func invalidRegularExpression(_ pattern: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(.syntax, at: location, "invalid regular expression /\(pattern)/")
    }

    // MARK: - Builtins and modules

    static func unsupportedLibrary(_ library: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "require \"\(library)\" is not supported by boxer",
            hint: "boxer provides yaml, json, fileutils and a few other standard libraries; keep settings in a YAML or JSON file")
    }

    /// `attr_accessor`, `include`, `private`, …: they only make sense in a class or module.
    static func classBodyMethod(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "'\(name)' is not supported by boxer here",
            hint: "use it inside a `class` or `module` body, which boxer runs")
    }

    static func objectCreation(_ name: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "\(name).new is not supported by boxer",
            hint:
                "boxer makes objects of the classes a Vagrantfile defines and of a few standard ones (OpenStruct, Struct, IPAddr, Pathname)"
        )
    }

    static func unsupportedDirMethod(_ method: String, at location: SourceLocation) -> VagrantfileError {
        VagrantfileError(
            .unsupported, at: location, "Dir.\(method) is not supported by boxer", hint: "Dir.pwd, Dir.exist? and Dir.glob work")
    }
}
