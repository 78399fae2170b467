using Grpc.Net.Client;
using QuayBuilder.Protocol;

var server = Environment.GetEnvironmentVariable("SERVER") ?? "127.0.0.1:50051";
using var channel = GrpcChannel.ForAddress("http://" + server);
var client = new BuildManager.BuildManagerClient(channel);
var reply = await client.PingAsync(new PingRequest());
Console.WriteLine(reply.Reply);
return 0;
