// placeholder until the area has code
namespace netvigil {}
