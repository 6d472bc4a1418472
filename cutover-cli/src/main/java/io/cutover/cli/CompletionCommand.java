package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cutover completion bash|zsh}: a completion script generated from the command tree, so it never falls behind. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a shell completion script for every command and option.",
                "bash: source <(cutover completion bash)   (in ~/.bashrc)",
                "zsh:  source <(cutover completion zsh)    (in ~/.zshrc)"})
public final class CompletionCommand implements Callable<Integer> {
    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    String shell;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        System.out.print(script(shell, spec.root().commandLine()));
        return 0;
    }

    static String script(String shell, CommandLine root) {
        String bash = AutoComplete.bash("cutover", root);
        return switch (shell) {
            case "bash" -> bash;
            // zsh runs the bash script through bashcompinit
            case "zsh" -> "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + bash;
            default -> throw new CutoverException(ErrorCode.CONFIG_INVALID, "completion: '" + shell + "' is not a shell this supports: use bash or zsh");
        };
    }
}
