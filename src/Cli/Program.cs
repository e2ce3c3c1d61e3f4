using Accel.Cli;

return CommandLine.Run(args);
