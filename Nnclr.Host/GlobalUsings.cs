// The option types of the sections Host binds live with the session that reads them (Nnclr.Pipeline/Configuration).
global using Nnclr.Pipeline.Configuration;
